package io.distill.teacher;

import java.io.Serializable;
import java.util.List;

/**
 * What an ONNX teacher's graph takes, declared by the user: the shape of one row ({@code [c, h, w]}
 * or {@code [h, w, c]} for an image, {@code [features]} for a flat input; null = what the graph
 * declares) and how the dataset's features are scaled for it: {@code (x × scale − mean) / std},
 * with one mean and std for every value or one per channel. The default feeds the features as they
 * are.
 *
 * <p>The dataset's flat features are laid into the row shape in row-major order, so an image must
 * be stored in the order the graph reads it (channel after channel for {@code [c, h, w]}).
 */
public record TeacherInput(List<Integer> shape, double scale, List<Double> mean, List<Double> std)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final double DEFAULT_SCALE = 1.0;
  public static final List<Double> DEFAULT_MEAN = List.of(0.0);
  public static final List<Double> DEFAULT_STD = List.of(1.0);

  /** The features as they are, in the shape the graph declares. */
  public static final TeacherInput AS_IS =
      new TeacherInput(null, DEFAULT_SCALE, DEFAULT_MEAN, DEFAULT_STD);

  public TeacherInput {
    shape = shape == null ? null : List.copyOf(shape);
    mean = List.copyOf(mean);
    std = List.copyOf(std);
    if (!Double.isFinite(scale) || scale == 0) {
      throw new IllegalArgumentException(
          "The teacher's input scale must be finite and not 0: " + scale);
    }
    if (mean.isEmpty() || std.isEmpty()) {
      throw new IllegalArgumentException("The teacher's input mean and std need a value each");
    }
    for (double s : std) {
      if (!(s > 0) || !Double.isFinite(s)) {
        throw new IllegalArgumentException("The teacher's input std must be > 0: " + std);
      }
    }
  }
}
