package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InputJitterTest {

  /**
   * A 4 x 3 image whose pixel (x, y) holds 1 + x + 10 y, so every pixel says where it came from.
   */
  private static float[] image() {
    float[] x = new float[12];
    for (int y = 0; y < 3; y++) {
      for (int c = 0; c < 4; c++) {
        x[y * 4 + c] = 1 + c + 10 * y;
      }
    }
    return x;
  }

  @Test
  void shiftMovesEveryPixelAndFillsWithZero() {
    InputJitter j = InputJitter.of(4, 3, 2);
    for (int dx = -2; dx <= 2; dx++) {
      for (int dy = -2; dy <= 2; dy++) {
        float[] x = image();
        j.shift(x, 0, dx, dy, new float[12]);
        for (int y = 0; y < 3; y++) {
          for (int c = 0; c < 4; c++) {
            int sx = c - dx;
            int sy = y - dy;
            float expected = sx >= 0 && sx < 4 && sy >= 0 && sy < 3 ? 1 + sx + 10 * sy : 0;
            assertEquals(
                expected,
                x[y * 4 + c],
                "pixel (" + c + "," + y + ") after shift (" + dx + "," + dy + ")");
          }
        }
      }
    }
  }

  @Test
  void applyShiftsEachRowOnItsOwnWithinTheBound() {
    InputJitter j = InputJitter.of(4, 3, 1);
    int rows = 200;
    float[] x = new float[rows * 12];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(image(), 0, x, r * 12, 12);
    }
    j.apply(x, rows, new SplittableRandom(7));
    Set<String> seen = new HashSet<>();
    for (int r = 0; r < rows; r++) {
      String shift = null;
      for (int dx = -1; dx <= 1 && shift == null; dx++) {
        for (int dy = -1; dy <= 1 && shift == null; dy++) {
          float[] expected = image();
          j.shift(expected, 0, dx, dy, new float[12]);
          float[] row = Arrays.copyOfRange(x, r * 12, r * 12 + 12);
          if (Arrays.equals(expected, row)) {
            shift = dx + "," + dy;
          }
        }
      }
      assertTrue(shift != null, "row " + r + " is not the image shifted by at most 1 pixel");
      seen.add(shift);
    }
    assertEquals(9, seen.size(), "all 9 shifts in [-1, 1]^2 occur over 200 rows: " + seen);
  }

  @Test
  void sameSeedSameJitter() {
    InputJitter j = InputJitter.square(784, 2);
    float[] a = new float[784 * 3];
    for (int i = 0; i < a.length; i++) {
      a[i] = i % 255;
    }
    float[] b = a.clone();
    j.apply(a, 3, new SplittableRandom(11));
    j.apply(b, 3, new SplittableRandom(11));
    assertArrayEquals(a, b);
  }

  @Test
  void refusesShapesThatCannotBeJittered() {
    assertEquals(
        "input jitter needs square images: 780 features per row is not a square number of pixels",
        assertThrows(IllegalArgumentException.class, () -> InputJitter.square(780, 2))
            .getMessage());
    assertEquals(
        "maxShift must be in [1, 27] for 28 x 28 images, cannot be: 28",
        assertThrows(IllegalArgumentException.class, () -> InputJitter.square(784, 28))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> InputJitter.of(0, 3, 1));
  }
}
