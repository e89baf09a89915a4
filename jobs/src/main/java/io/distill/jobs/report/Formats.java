package io.distill.jobs.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the report writes numbers and text. */
final class Formats {
  static final String NONE = "—";
  static final String NA = "n/a";
  private static final Pattern MARKDOWN_SPECIAL = Pattern.compile("[\\\\`*_\\[\\]<>|&#~]");

  private Formats() {}

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A share (0.835) as a percentage ("83.5%"), or "—" when not finite. */
  static String percent(double share, int decimals) {
    return Double.isFinite(share)
        ? String.format(Locale.ROOT, "%." + decimals + "f%%", 100 * share)
        : NONE;
  }

  static String fixed(double x, int decimals) {
    return Double.isFinite(x) ? String.format(Locale.ROOT, "%,." + decimals + "f", x) : NONE;
  }

  static String seconds(Double s) {
    return s == null ? NONE : fixed(s, 1);
  }

  /** At most four decimals, no trailing zeros: 20, 0.1, 2.5. */
  static String number(double x) {
    if (!Double.isFinite(x)) {
      return NONE;
    }
    return BigDecimal.valueOf(x)
        .setScale(4, RoundingMode.HALF_EVEN)
        .stripTrailingZeros()
        .toPlainString();
  }

  /** Three significant digits for small figures (0.0123, 1.23, 12.3), whole numbers from 100. */
  static String significant(double x) {
    if (!Double.isFinite(x)) {
      return NONE;
    }
    double a = Math.abs(x);
    int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.1 ? 3 : 4;
    return fixed(x, decimals);
  }

  /** A p-value: "< 0.001", else three decimals ("0.042", "1.000"). */
  static String pValue(double p) {
    return p < 0.001 ? "< 0.001" : fixed(p, 3);
  }

  /** Text as Markdown that renders as itself, on one line (also safe inside a table cell). */
  static String markdown(String text) {
    String line = text == null ? NONE : text.replaceAll("\\R", " ");
    return MARKDOWN_SPECIAL
        .matcher(line)
        .replaceAll(m -> Matcher.quoteReplacement("\\" + m.group()));
  }

  static String orNone(String s) {
    return s == null || s.isBlank() ? NONE : s;
  }
}
