package io.distill.jobs.report;

import io.distill.student.ModelMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's chart, drawn with JFreeChart: test accuracy (%) against parameters (log scale), one
 * line through the distilled students (drawn on top), one through their hard-label baselines, and
 * the teacher as a point; each distilled point is labelled with its size's name (a sweep may mix
 * shapes, an MLP beside a CNN of fewer parameters); a legend and a title. The axes span the models
 * with a margin (at least half a point of accuracy and a decade of parameters), so every model is
 * inside the plot. Antialiased, white background, {@value #WIDTH} × {@value #HEIGHT} pixels.
 */
public final class AccuracyChart {
  public static final int WIDTH = 900;
  public static final int HEIGHT = 600;
  public static final Color DISTILLED_COLOR = new Color(0x1f, 0x6f, 0xc4);
  public static final Color BASELINE_COLOR = new Color(0xe0, 0x6c, 0x00);
  public static final Color TEACHER_COLOR = new Color(0x1a, 0x8f, 0x3c);
  public static final Color LABEL_COLOR = new Color(0x33, 0x33, 0x33);

  private final JFreeChart chart;
  private final XYPlot plot;
  private final double[] parameters;
  private final double[] accuracy;
  private Rectangle2D dataArea;

  private AccuracyChart(JFreeChart chart, XYPlot plot, double[] parameters, double[] accuracy) {
    this.chart = chart;
    this.plot = plot;
    this.parameters = parameters;
    this.accuracy = accuracy;
  }

  /** The chart of a run's models. */
  public static AccuracyChart of(RunSummary summary, String title) {
    XYSeries distilled = new XYSeries("distilled student", true, true);
    XYSeries baseline = new XYSeries("hard-label baseline", true, true);
    List<ModelMetrics> all = new ArrayList<>();
    Map<Double, String> names = new TreeMap<>();
    for (RunSummary.SizeSummary s : summary.sizes()) {
      add(distilled, s.distilled(), all);
      add(baseline, s.baseline(), all);
      names.merge((double) s.distilled().parameters(), s.size(), (a, b) -> a + ", " + b);
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(distilled); // series 0 is drawn last, over the others
    data.addSeries(baseline);
    summary
        .teacher()
        .ifPresent(
            t -> {
              XYSeries teacher = new XYSeries("teacher", true, true);
              add(teacher, t, all);
              data.addSeries(teacher);
            });
    double[] x = range(all.stream().mapToDouble(m -> m.parameters()).toArray(), true);
    double[] y = range(all.stream().mapToDouble(m -> 100 * m.testAccuracy()).toArray(), false);

    LogAxis parameters = new LogAxis("parameters (log scale)");
    parameters.setBase(10);
    parameters.setNumberFormatOverride(new DecimalFormat("#,##0"));
    if (Math.log10(x[1]) - Math.log10(x[0]) >= 1) {
      // Ticks at powers of ten (10,000, 100,000, ...) with 9 minor ticks between them, instead of
      // JFreeChart's
      // default of fractional exponents (10^4.2, 10^4.3, ...); a range within one decade keeps the
      // default ticks.
      parameters.setTickUnit(new NumberTickUnit(1.0));
      parameters.setMinorTickCount(9);
      parameters.setMinorTickMarksVisible(true);
    }
    parameters.setRange(x[0], x[1]);
    NumberAxis accuracy = new NumberAxis("test accuracy (%)");
    accuracy.setRange(y[0], y[1]);
    accuracy.setAutoRangeIncludesZero(false);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    Color[] colors = {DISTILLED_COLOR, BASELINE_COLOR, TEACHER_COLOR};
    for (int i = 0; i < data.getSeriesCount(); i++) {
      renderer.setSeriesPaint(i, colors[i]);
      renderer.setSeriesStroke(i, new BasicStroke(2.5f));
      renderer.setSeriesShape(i, new Ellipse2D.Double(-5, -5, 10, 10));
    }
    renderer.setSeriesItemLabelGenerator(
        0, (dataset, series, item) -> names.get(dataset.getXValue(series, item)));
    renderer.setSeriesItemLabelsVisible(0, true);
    renderer.setSeriesItemLabelPaint(0, LABEL_COLOR);
    renderer.setSeriesItemLabelFont(0, new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    renderer.setSeriesLinesVisible(2, false);
    renderer.setSeriesShape(2, new Rectangle2D.Double(-6, -6, 12, 12));
    XYPlot plot = new XYPlot(data, parameters, accuracy, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setNoDataMessage("no models to show");
    JFreeChart chart = new JFreeChart(null, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
    chart.setTitle(new TextTitle(title, new Font(Font.SANS_SERIF, Font.BOLD, 16)));
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    chart.setTextAntiAlias(true);
    return new AccuracyChart(chart, plot, x, y);
  }

  private static void add(XYSeries series, ModelMetrics m, List<ModelMetrics> all) {
    if (m.parameters() > 0 && Double.isFinite(m.testAccuracy())) {
      series.add(m.parameters(), 100 * m.testAccuracy());
      all.add(m);
    }
  }

  /**
   * The axis range over {@code values} with a margin: a decade at least on a log axis, half a point
   * otherwise.
   */
  private static double[] range(double[] values, boolean log) {
    if (values.length == 0) {
      return log ? new double[] {1e3, 1e7} : new double[] {90, 100};
    }
    double min = Arrays.stream(values).min().orElseThrow();
    double max = Arrays.stream(values).max().orElseThrow();
    if (log) {
      double lo = Math.log10(min);
      double hi = Math.log10(max);
      double pad = Math.max(0.15 * (hi - lo), (1.0 - (hi - lo)) / 2 + 0.05);
      return new double[] {
        Math.pow(10, lo - Math.max(pad, 0.1)), Math.pow(10, hi + Math.max(pad, 0.1))
      };
    }
    double pad = Math.max(0.1 * (max - min), (0.5 - (max - min)) / 2 + 0.05);
    pad = Math.max(pad, 0.1);
    return new double[] {min - pad, Math.min(max + pad, 100 + pad)};
  }

  /** Draws the chart. */
  public BufferedImage render() {
    ChartRenderingInfo info = new ChartRenderingInfo();
    BufferedImage image =
        chart.createBufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB, info);
    dataArea = info.getPlotInfo().getDataArea();
    return image;
  }

  /**
   * Where a model with {@code parameters} and {@code accuracy} (a share) is drawn, once rendered.
   */
  public Point2D pixel(long parameters, double accuracy) {
    Rectangle2D area = area();
    return new Point2D.Double(
        plot.getDomainAxis().valueToJava2D(parameters, area, plot.getDomainAxisEdge()),
        plot.getRangeAxis().valueToJava2D(100 * accuracy, area, plot.getRangeAxisEdge()));
  }

  /** The plot's data area in pixels. */
  public Rectangle plotArea() {
    return area().getBounds();
  }

  /** The accuracy axis, in percent: {low, high}. */
  public double[] accuracyRange() {
    return accuracy.clone();
  }

  /** The parameter axis: {low, high}. */
  public double[] parameterRange() {
    return parameters.clone();
  }

  private Rectangle2D area() {
    if (dataArea == null) {
      render();
    }
    return dataArea;
  }

  /** The image as PNG bytes. */
  public static byte[] png(BufferedImage image) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(image, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
