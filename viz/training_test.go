package viz

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestRenderTraining(t *testing.T) {
	var points []TrainingPoint
	for s := 1; s <= 50; s++ {
		p := TrainingPoint{Step: s, Loss: 8 / math.Sqrt(float64(s)), ValLoss: math.NaN(), LR: 1e-3 * math.Min(1, float64(s)/10)}
		if s%10 == 0 {
			p.ValLoss = p.Loss * 1.1
		}
		points = append(points, p)
	}
	magic := map[string]string{"png": "\x89PNG", "svg": "<?xml", "pdf": "%PDF", "eps": "%!PS-Adobe"}
	for format, want := range magic {
		var buf bytes.Buffer
		if err := RenderTraining(&buf, points, format, 0, "en"); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if !strings.HasPrefix(buf.String(), want) {
			t.Errorf("%s: starts with %.12q", format, buf.String())
		}
		if format == "svg" {
			for _, label := range []string{"held-out", "training", "learning rate", "step 50"} {
				if !strings.Contains(buf.String(), label) {
					t.Errorf("the SVG lacks %q", label)
				}
			}
		}
	}
	var zh bytes.Buffer
	if err := RenderTraining(&zh, points, "svg", 0, "zh"); err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"留出集", "训练集", "学习率", "第 50 步"} {
		if !strings.Contains(zh.String(), label) {
			t.Errorf("the Chinese SVG lacks %q", label)
		}
	}
	if strings.Contains(zh.String(), "learning rate") {
		t.Error("the Chinese SVG still says \"learning rate\"")
	}
	var buf bytes.Buffer
	if err := RenderTraining(&buf, nil, "png", 0, "en"); !errors.Is(err, ErrEmpty) {
		t.Errorf("an empty log gave %v", err)
	}
	bad := []TrainingPoint{{Step: 1, Loss: math.NaN(), ValLoss: math.NaN()}}
	if err := RenderTraining(&buf, bad, "png", 0, "en"); !errors.Is(err, ErrShape) {
		t.Errorf("a NaN loss gave %v", err)
	}
	if err := RenderTraining(&buf, points, "gif", 0, "en"); !errors.Is(err, ErrFormat) {
		t.Errorf("a bad format gave %v", err)
	}
}
