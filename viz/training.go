package viz

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/transformer-explorer/explorer/lessons/i18n"
	"github.com/transformer-explorer/explorer/viz/palette"
)

// A TrainingPoint is one optimizer step of a training run.
type TrainingPoint struct {
	Step    int
	Loss    float64 // training loss of the step's batch
	ValLoss float64 // held-out loss, NaN on steps that did not measure it
	LR      float64 // learning rate
}

// Colours of the training curves: the two ends of the sequential palette
// for training and held-out loss, so the figure prints well in grey too.
var (
	trainCol = palette.Sequential().At(0.25)
	valCol   = palette.Sequential().At(0.8)
	lrCol    = color.RGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xFF}
)

// RenderTraining draws a training run: the loss per step (training as a
// line, held-out as points) above the learning-rate schedule, in format
// (png, svg, pdf or eps; dpi applies to png, 0 means DefaultDPI), with
// titles and labels in lang ("en" or "zh").
func RenderTraining(w io.Writer, points []TrainingPoint, format string, dpi float64, lang string) error {
	fig, out, err := buildTraining(points, format, dpi, lang)
	if err != nil {
		return err
	}
	return writeRecovered(w, fig, out, Request{Kind: "training", Format: format})
}

// RenderTrainingFile renders a training run to path like RenderFile: the
// format from the extension, written atomically.
func RenderTrainingFile(path string, points []TrainingPoint, dpi float64, lang string) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	fig, out, err := buildTraining(points, format, dpi, lang)
	if err != nil {
		return err
	}
	return writeFile(path, fig, out, Request{Kind: "training", Format: format})
}

// buildTraining validates the output and points and lays out the figure
// of a training run, as build does for a trace.
func buildTraining(points []TrainingPoint, format string, dpi float64, lang string) (*figure, *output, error) {
	out, err := newOutput(format, dpi)
	if err != nil {
		return nil, nil, err
	}
	out.lang = i18n.Match(lang)
	fig, err := trainingFigure(points, out)
	if err != nil {
		return nil, nil, err
	}
	return fig, out, nil
}

func trainingFigure(points []TrainingPoint, o *output) (*figure, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("%w: the training log has no steps", ErrEmpty)
	}
	var train, val, lr plotter.XYs
	for _, p := range points {
		if math.IsNaN(p.Loss) || math.IsInf(p.Loss, 0) {
			return nil, fmt.Errorf("%w: step %d has loss %v", ErrShape, p.Step, p.Loss)
		}
		train = append(train, plotter.XY{X: float64(p.Step), Y: p.Loss})
		lr = append(lr, plotter.XY{X: float64(p.Step), Y: p.LR})
		if !math.IsNaN(p.ValLoss) {
			val = append(val, plotter.XY{X: float64(p.Step), Y: p.ValLoss})
		}
	}
	last := points[len(points)-1]
	loss := fmt.Sprintf("%.3f", last.Loss)
	title := o.t("plot.trainLoss", "step", last.Step, "loss", loss)
	if len(val) > 0 {
		title = o.t("plot.trainLossVal", "step", last.Step, "loss", loss, "val", fmt.Sprintf("%.3f", val[len(val)-1].Y))
	}
	lossPlot := newPlot(o.text(title))
	lossPlot.Y.Label.Text = o.text(o.t("plot.lossPerToken"))
	lossPlot.Y.Min = 0
	line, err := addLine(lossPlot, train, trainCol, vg.Points(1.2))
	if err != nil {
		return nil, err
	}
	lossPlot.Legend.Add(o.text(o.t("plot.training")), line)
	if len(val) > 0 {
		dots, err := plotter.NewScatter(val)
		if err != nil {
			return nil, err
		}
		dots.Color = valCol
		dots.Shape = draw.CircleGlyph{}
		dots.Radius = vg.Points(3)
		lossPlot.Add(dots)
		lossPlot.Legend.Add(o.text(o.t("plot.heldOut")), dots)
	}
	lossPlot.Legend.Top = true
	lossPlot.Legend.TextStyle.Font = textStyle(labelSize, draw.XLeft, draw.YCenter).Font

	lrPlot := newPlot("")
	lrPlot.X.Label.Text = o.text(o.t("plot.step"))
	lrPlot.Y.Label.Text = o.text(o.t("plot.lr"))
	lrPlot.Y.Min = 0
	if _, err := addLine(lrPlot, lr, lrCol, vg.Points(1)); err != nil {
		return nil, err
	}
	lossPlot.X.Min, lossPlot.X.Max = lrPlot.X.Min, lrPlot.X.Max

	const width, height = 16 * vg.Centimeter, 13 * vg.Centimeter
	return &figure{w: width, h: height, draw: func(c draw.Canvas) {
		tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(6), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
		canvases := plot.Align([][]*plot.Plot{{lossPlot}, {lrPlot}}, tiles, c)
		// The loss panel gets two thirds of the height.
		top, bottom := canvases[0][0], canvases[1][0]
		split := c.Min.Y + (c.Max.Y-c.Min.Y)/3
		bottom.Max.Y = split
		top.Min.Y = split + vg.Points(6)
		lossPlot.Draw(top)
		lrPlot.Draw(bottom)
	}}, nil
}

// addLine draws xys on p as a line of colour col and the given width.
func addLine(p *plot.Plot, xys plotter.XYs, col color.Color, width vg.Length) (*plotter.Line, error) {
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	line.Color = col
	line.Width = width
	p.Add(line)
	return line, nil
}
