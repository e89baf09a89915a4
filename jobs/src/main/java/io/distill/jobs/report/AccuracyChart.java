package io.distill.jobs.report;

import io.distill.student.ModelMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * The chart of a run's report: test accuracy (%) against parameters (log10 scale), drawn with Java2D on a
 * {@value #WIDTH}×{@value #HEIGHT} image. Distilled students are a solid line with round markers (ordered by
 * parameters), hard-label baselines a dashed line with square markers, the teacher a single diamond with a dotted
 * reference line at its accuracy; every point is labelled with its size's name. The axes cover every point with
 * margins and cope with one size, identical accuracies and a run without a teacher.
 *
 * <p>Runs headless: {@code java.awt.headless} is set to true before any AWT use unless already set.
 * {@link #pixel(long, double)} says where a model lands on the image, so tests can sample the plotted colours.
 */
public final class AccuracyChart {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** Image width in pixels. */
  public static final int WIDTH = 900;
  /** Image height in pixels. */
  public static final int HEIGHT = 600;
  /** The distilled students' line and markers. */
  public static final Color DISTILLED_COLOR = new Color(31, 119, 180);
  /** The baselines' line and markers. */
  public static final Color BASELINE_COLOR = new Color(255, 127, 14);
  /** The teacher's marker. */
  public static final Color TEACHER_COLOR = new Color(44, 160, 44);

  private static final Color BACKGROUND = Color.WHITE;
  private static final Color TEXT = new Color(33, 37, 41);
  private static final Color AXIS = new Color(96, 96, 96);
  private static final Color GRID = new Color(225, 228, 232);
  private static final Color MINOR_GRID = new Color(242, 243, 245);

  private static final int LEFT = 88;
  private static final int RIGHT = 36;
  private static final int TOP = 92;
  private static final int BOTTOM = 72;

  private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final Font SMALL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private final RunReport.Summary summary;
  private final String title;
  private final boolean empty;
  /** log10(parameters) at the plot's left and right edges. */
  private final double xLo;
  private final double xHi;
  /** Accuracy in percent at the plot's bottom and top edges. */
  private final double yLo;
  private final double yHi;

  private AccuracyChart(RunReport.Summary summary, String title) {
    this.summary = summary;
    this.title = title;
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (ModelMetrics m : summary.models()) {
      if (plottable(m)) {
        xs.add(Math.log10(m.parameters()));
        ys.add(100 * m.testAccuracy());
      }
    }
    empty = xs.isEmpty();
    if (empty) {
      xLo = 4;
      xHi = 6;
      yLo = 90;
      yHi = 100;
      return;
    }
    double minX = xs.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    double maxX = xs.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    if (maxX - minX < 1) { // one size, or sizes close together: show at least a decade around them
      double centre = (minX + maxX) / 2;
      xLo = centre - 0.5 - (maxX - minX) / 2;
      xHi = centre + 0.5 + (maxX - minX) / 2;
    } else {
      double pad = 0.1 * (maxX - minX);
      xLo = minX - pad;
      xHi = maxX + pad;
    }
    double minY = ys.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    double maxY = ys.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    double lo = minY;
    double hi = maxY;
    if (hi - lo < 0.5) { // identical (or nearly) accuracies: half a percentage point around them
      double centre = (lo + hi) / 2;
      lo = centre - 0.25;
      hi = centre + 0.25;
    }
    double pad = 0.15 * (hi - lo); // room for the labels above and below the points
    lo -= pad;
    hi += pad;
    if (hi > 100 && 100 - maxY >= pad / 2) {
      hi = 100;
    }
    if (lo < 0 && minY >= pad / 2) {
      lo = 0;
    }
    yLo = lo;
    yHi = hi;
  }

  /** A chart of {@code summary}'s models under {@code title}. */
  public static AccuracyChart of(RunReport.Summary summary, String title) {
    return new AccuracyChart(Objects.requireNonNull(summary, "summary"), Objects.requireNonNull(title, "title"));
  }

  /** The rectangle the data is plotted in. */
  public Rectangle plotArea() {
    return new Rectangle(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
  }

  /** The accuracy range of the y axis, in percent: {low, high}. */
  public double[] accuracyRange() {
    return new double[] {yLo, yHi};
  }

  /** The parameter range of the x axis: {low, high}. */
  public double[] parameterRange() {
    return new double[] {Math.pow(10, xLo), Math.pow(10, xHi)};
  }

  /**
   * Where a model with {@code parameters} and {@code accuracy} (a share, as {@link ModelMetrics#testAccuracy()})
   * lands on the image.
   */
  public Point2D pixel(long parameters, double accuracy) {
    Rectangle plot = plotArea();
    double x = plot.x + (Math.log10(parameters) - xLo) / (xHi - xLo) * plot.width;
    double y = plot.y + (yHi - 100 * accuracy) / (yHi - yLo) * plot.height;
    return new Point2D.Double(x, y);
  }

  private Point2D pixel(ModelMetrics m) {
    return pixel(m.parameters(), m.testAccuracy());
  }

  private static boolean plottable(ModelMetrics m) {
    return m.parameters() > 0 && Double.isFinite(m.testAccuracy());
  }

  /** The image as PNG bytes. */
  public static byte[] png(BufferedImage image) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", bytes)) {
        throw new IllegalStateException("This Java runtime has no PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen with a byte array
    }
    return bytes.toByteArray();
  }

  /** Draws the chart. */
  public BufferedImage render() {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
      g.setColor(BACKGROUND);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      drawTitle(g);
      drawLegend(g);
      drawAxes(g);
      if (empty) {
        Rectangle plot = plotArea();
        g.setFont(FONT);
        g.setColor(AXIS);
        centre(g, "No models to plot", plot.getCenterX(), plot.getCenterY());
      } else {
        drawData(g);
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  private void drawTitle(Graphics2D g) {
    g.setFont(TITLE_FONT);
    g.setColor(TEXT);
    FontMetrics fm = g.getFontMetrics();
    String text = fit(fm, title, WIDTH - 40);
    g.drawString(text, (WIDTH - fm.stringWidth(text)) / 2f, 34);
  }

  private void drawLegend(Graphics2D g) {
    g.setFont(FONT);
    FontMetrics fm = g.getFontMetrics();
    List<String> texts = new ArrayList<>();
    texts.add("Distilled" + distilledSettings());
    texts.add("Baseline (hard labels)");
    Optional<ModelMetrics> teacher = summary.teacher();
    teacher.ifPresent(t -> texts.add("Teacher"));
    int swatch = 30;
    int gap = 26;
    int total = 0;
    for (String t : texts) {
      total += swatch + 8 + fm.stringWidth(t);
    }
    total += gap * (texts.size() - 1);
    float x = (WIDTH - total) / 2f;
    float y = 62;
    for (int i = 0; i < texts.size(); i++) {
      float mid = x + swatch / 2f;
      if (i == 0) {
        line(g, DISTILLED_COLOR, solid(), x, y, x + swatch, y);
        marker(g, circle(mid, y), DISTILLED_COLOR);
      } else if (i == 1) {
        line(g, BASELINE_COLOR, dashed(), x, y, x + swatch, y);
        marker(g, square(mid, y), BASELINE_COLOR);
      } else {
        marker(g, diamond(mid, y), TEACHER_COLOR);
      }
      g.setColor(TEXT);
      g.drawString(texts.get(i), x + swatch + 8, y + fm.getAscent() / 2f - 2);
      x += swatch + 8 + fm.stringWidth(texts.get(i)) + gap;
    }
  }

  /** " (T=20, α=0.1)" when every distilled student shares T and α, else "". */
  private String distilledSettings() {
    List<RunReport.SizeSummary> sizes = summary.sizes();
    if (sizes.isEmpty()) {
      return "";
    }
    double t = sizes.get(0).distilled().temperature();
    double a = sizes.get(0).distilled().alpha();
    for (RunReport.SizeSummary s : sizes) {
      if (Double.compare(s.distilled().temperature(), t) != 0 || Double.compare(s.distilled().alpha(), a) != 0) {
        return "";
      }
    }
    if (!Double.isFinite(t) || !Double.isFinite(a)) {
      return "";
    }
    return " (T=" + shortNumber(t) + ", α=" + shortNumber(a) + ")";
  }

  private void drawAxes(Graphics2D g) {
    Rectangle plot = plotArea();
    g.setFont(SMALL_FONT);
    FontMetrics fm = g.getFontMetrics();
    Stroke thin = new BasicStroke(1f);

    // x: decades labelled; 2..9 × 10^k as minor lines, 2 and 5 labelled too when fewer than three decades show.
    int decades = 0;
    for (int k = (int) Math.ceil(xLo); k <= Math.floor(xHi); k++) {
      decades++;
    }
    boolean labelMantissas = decades < 3;
    for (int k = (int) Math.floor(xLo); k <= (int) Math.ceil(xHi); k++) {
      for (int m = 1; m <= 9; m++) {
        double v = k + Math.log10(m);
        if (v < xLo - 1e-9 || v > xHi + 1e-9) {
          continue;
        }
        float x = (float) (plot.x + (v - xLo) / (xHi - xLo) * plot.width);
        boolean major = m == 1;
        boolean labelled = major || (labelMantissas && (m == 2 || m == 5));
        line(g, major ? GRID : MINOR_GRID, thin, x, plot.y, x, plot.y + plot.height);
        line(g, AXIS, thin, x, plot.y + plot.height, x, plot.y + plot.height + (labelled ? 6 : 3));
        if (labelled) {
          g.setColor(TEXT);
          String label = human(m * Math.pow(10, k));
          g.drawString(label, x - fm.stringWidth(label) / 2f, plot.y + plot.height + 8 + fm.getAscent());
        }
      }
    }

    // y: a "nice" step giving four to eight ticks.
    double step = niceStep((yHi - yLo) / 6);
    int decimals = Math.max(0, new BigDecimal(Double.toString(step)).stripTrailingZeros().scale());
    for (long i = (long) Math.ceil(yLo / step - 1e-9); i * step <= yHi + 1e-9; i++) {
      double t = i * step;
      float y = (float) (plot.y + (yHi - t) / (yHi - yLo) * plot.height);
      line(g, GRID, thin, plot.x, y, plot.x + plot.width, y);
      line(g, AXIS, thin, plot.x - 6, y, plot.x, y);
      g.setColor(TEXT);
      String label = String.format(java.util.Locale.ROOT, "%." + decimals + "f", t + 0.0);
      g.drawString(label, plot.x - 10 - fm.stringWidth(label), y + fm.getAscent() / 2f - 2);
    }

    g.setColor(AXIS);
    g.setStroke(new BasicStroke(1.2f));
    g.draw(new Rectangle2D.Double(plot.x, plot.y, plot.width, plot.height));

    g.setFont(FONT);
    g.setColor(TEXT);
    FontMetrics big = g.getFontMetrics();
    String xTitle = "Parameters (log scale)";
    g.drawString(xTitle, (float) (plot.getCenterX() - big.stringWidth(xTitle) / 2.0), HEIGHT - 22);
    String yTitle = "Test accuracy (%)";
    AffineTransform saved = g.getTransform();
    g.translate(26, plot.getCenterY() + big.stringWidth(yTitle) / 2.0);
    g.rotate(-Math.PI / 2);
    g.drawString(yTitle, 0, 0);
    g.setTransform(saved);
  }

  private void drawData(Graphics2D g) {
    Rectangle plot = plotArea();
    Optional<ModelMetrics> teacher = summary.teacher().filter(AccuracyChart::plottable);
    List<RunReport.SizeSummary> sizes = summary.sizes();

    // The teacher's accuracy as a faint reference line.
    teacher.ifPresent(t -> {
      double y = pixel(t).getY();
      line(g, new Color(TEACHER_COLOR.getRed(), TEACHER_COLOR.getGreen(), TEACHER_COLOR.getBlue(), 110),
          new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 4f}, 0f),
          plot.x + 1, y, plot.x + plot.width - 1, y);
    });

    List<ModelMetrics> baselines = new ArrayList<>();
    List<ModelMetrics> distilled = new ArrayList<>();
    for (RunReport.SizeSummary s : sizes) { // sizes are ordered by the distilled student's parameters
      if (plottable(s.baseline())) {
        baselines.add(s.baseline());
      }
      if (plottable(s.distilled())) {
        distilled.add(s.distilled());
      }
    }
    baselines.sort((a, b) -> Long.compare(a.parameters(), b.parameters()));
    distilled.sort((a, b) -> Long.compare(a.parameters(), b.parameters()));
    polyline(g, baselines, BASELINE_COLOR, dashed());
    polyline(g, distilled, DISTILLED_COLOR, solid());
    for (ModelMetrics b : baselines) {
      Point2D p = pixel(b);
      marker(g, square(p.getX(), p.getY()), BASELINE_COLOR);
    }
    for (ModelMetrics d : distilled) {
      Point2D p = pixel(d);
      marker(g, circle(p.getX(), p.getY()), DISTILLED_COLOR);
    }
    teacher.ifPresent(t -> {
      Point2D p = pixel(t);
      marker(g, diamond(p.getX(), p.getY()), TEACHER_COLOR);
    });

    // Labels: per size, the more accurate student's above its point, the other's below.
    g.setFont(SMALL_FONT);
    for (RunReport.SizeSummary s : sizes) {
      boolean distilledAbove = !(s.distilled().testAccuracy() < s.baseline().testAccuracy());
      if (plottable(s.distilled())) {
        label(g, s.size(), pixel(s.distilled()), distilledAbove, DISTILLED_COLOR.darker());
      }
      if (plottable(s.baseline())) {
        label(g, s.size(), pixel(s.baseline()), !distilledAbove, BASELINE_COLOR.darker());
      }
    }
    teacher.ifPresent(t -> {
      Point2D p = pixel(t);
      FontMetrics fm = g.getFontMetrics();
      String text = RunReport.teacherLabel(t);
      float w = fm.stringWidth(text);
      // Below its diamond: the students' labels above their points stay clear of it, and so does its dotted line.
      float x = (float) Math.max(4, Math.min(WIDTH - 4 - w, p.getX() - w / 2));
      g.setColor(TEACHER_COLOR.darker());
      g.drawString(text, x, (float) p.getY() + 12 + fm.getAscent());
    });
  }

  private void polyline(Graphics2D g, List<ModelMetrics> models, Color colour, Stroke stroke) {
    if (models.size() < 2) {
      return;
    }
    Path2D.Double path = new Path2D.Double();
    for (int i = 0; i < models.size(); i++) {
      Point2D p = pixel(models.get(i));
      if (i == 0) {
        path.moveTo(p.getX(), p.getY());
      } else {
        path.lineTo(p.getX(), p.getY());
      }
    }
    g.setColor(colour);
    g.setStroke(stroke);
    g.draw(path);
  }

  private static void label(Graphics2D g, String text, Point2D p, boolean above, Color colour) {
    FontMetrics fm = g.getFontMetrics();
    float w = fm.stringWidth(text);
    float x = (float) Math.max(4, Math.min(WIDTH - 4 - w, p.getX() - w / 2));
    float y = above ? (float) p.getY() - 10 : (float) p.getY() + 10 + fm.getAscent();
    g.setColor(colour);
    g.drawString(text, x, y);
  }

  private static void marker(Graphics2D g, Shape shape, Color fill) {
    g.setColor(fill);
    g.fill(shape);
    g.setColor(BACKGROUND);
    g.setStroke(new BasicStroke(1.2f));
    g.draw(shape);
  }

  private static Shape circle(double x, double y) {
    return new Ellipse2D.Double(x - 5.5, y - 5.5, 11, 11);
  }

  private static Shape square(double x, double y) {
    return new Rectangle2D.Double(x - 5, y - 5, 10, 10);
  }

  private static Shape diamond(double x, double y) {
    Path2D.Double d = new Path2D.Double();
    d.moveTo(x, y - 8);
    d.lineTo(x + 8, y);
    d.lineTo(x, y + 8);
    d.lineTo(x - 8, y);
    d.closePath();
    return d;
  }

  private static Stroke solid() {
    return new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
  }

  private static Stroke dashed() {
    return new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {9f, 5f}, 0f);
  }

  private static void line(Graphics2D g, Color colour, Stroke stroke, double x1, double y1, double x2, double y2) {
    g.setColor(colour);
    g.setStroke(stroke);
    g.draw(new Line2D.Double(x1, y1, x2, y2));
  }

  private static void centre(Graphics2D g, String text, double x, double y) {
    FontMetrics fm = g.getFontMetrics();
    g.drawString(text, (float) (x - fm.stringWidth(text) / 2.0), (float) (y + fm.getAscent() / 2.0));
  }

  private static String fit(FontMetrics fm, String text, int width) {
    if (fm.stringWidth(text) <= width) {
      return text;
    }
    String t = text;
    while (!t.isEmpty() && fm.stringWidth(t + "…") > width) {
      t = t.substring(0, t.length() - 1);
    }
    return t + "…";
  }

  /** 1, 2, 2.5 or 5 × 10^k, the smallest at least {@code raw}. */
  static double niceStep(double raw) {
    if (!(raw > 0)) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / magnitude;
    double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    return nice * magnitude;
  }

  /** 500, 2k, 10k, 1.5M, 2G. */
  static String human(double value) {
    String[] suffixes = {"", "k", "M", "G", "T"};
    int i = 0;
    double v = value;
    while (Math.abs(v) >= 1000 && i < suffixes.length - 1) {
      v /= 1000;
      i++;
    }
    return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString() + suffixes[i];
  }

  private static String shortNumber(double x) {
    return new BigDecimal(Double.toString(x)).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }
}
