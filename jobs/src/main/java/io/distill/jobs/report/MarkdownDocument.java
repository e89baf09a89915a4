package io.distill.jobs.report;

import java.util.Arrays;
import java.util.List;

/**
 * A Markdown document built block by block (headings, paragraphs, GitHub-style tables with
 * right-aligned number columns and bold emphasis rows, images, code), the one source of the report:
 * the HTML page is rendered from it by commonmark-java.
 */
final class MarkdownDocument {
  private final StringBuilder text = new StringBuilder();

  /** A heading; {@code title} is escaped. */
  MarkdownDocument heading(int level, String title) {
    text.append("#".repeat(level)).append(' ').append(Formats.markdown(title)).append("\n\n");
    return this;
  }

  /** A paragraph of plain text (escaped). */
  MarkdownDocument paragraph(String plain) {
    text.append(Formats.markdown(plain)).append("\n\n");
    return this;
  }

  /** A paragraph of Markdown written by the report itself (not escaped). */
  MarkdownDocument markdown(String markdown) {
    text.append(markdown).append("\n\n");
    return this;
  }

  /** One table row: its cells as plain text, escaped; {@code emphasis} rows are bold. */
  record Row(boolean emphasis, List<String> cells) {
    Row(boolean emphasis, String... cells) {
      this(emphasis, Arrays.stream(cells).map(c -> c == null ? Formats.NONE : c).toList());
    }
  }

  /** A table; columns with {@code numeric[i]} are right-aligned. */
  MarkdownDocument table(List<String> header, boolean[] numeric, List<Row> rows) {
    text.append('|');
    header.forEach(h -> text.append(' ').append(Formats.markdown(h)).append(" |"));
    text.append("\n|");
    for (int i = 0; i < header.size(); i++) {
      text.append(numeric[i] ? "---:" : "---").append('|');
    }
    text.append('\n');
    for (Row row : rows) {
      text.append('|');
      for (String cell : row.cells()) {
        String c = Formats.markdown(cell);
        text.append(' ').append(row.emphasis() && !c.isEmpty() ? "**" + c + "**" : c).append(" |");
      }
      text.append('\n');
    }
    text.append('\n');
    return this;
  }

  MarkdownDocument image(String file, String alt) {
    text.append("![").append(Formats.markdown(alt)).append("](").append(file).append(")\n\n");
    return this;
  }

  MarkdownDocument code(String code) {
    text.append("```\n").append(code.stripTrailing()).append("\n```\n\n");
    return this;
  }

  @Override
  public String toString() {
    return text.toString().stripTrailing() + "\n";
  }
}
