package io.distill.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A run's {@code report.html} opened in headless Chromium (Debian's {@code chromium} package;
 * {@code .ci/run} installs it): a full-page screenshot for a person to look at, and what the
 * browser measured after layout, read back from the DOM (a copy of the page with a measuring script
 * appended; the published report is not touched).
 */
final class ReportInBrowser {
  /**
   * One table's box: the section heading above it, the table's width and the width of its
   * (scrolling) box.
   */
  record Table(String heading, int content, int shown) {
    boolean fits() {
      return content <= shown;
    }
  }

  /**
   * @param viewport the window's layout width, px
   * @param page the page's scroll width (wider than the viewport when something overflows the page)
   * @param chartNatural the chart image's own width (0 when it did not load)
   * @param chartShown its width as laid out
   */
  record Measured(
      int viewport,
      int page,
      int chartNatural,
      int chartShown,
      List<Table> tables,
      Path screenshot) {}

  private static final String MEASURE =
      """
      <script>
      window.addEventListener('load', function () {
        var d = document.documentElement, r = {viewport: d.clientWidth, page: d.scrollWidth, images: [], tables: []};
        document.querySelectorAll('img').forEach(function (i) {
          r.images.push({natural: i.naturalWidth, shown: Math.round(i.getBoundingClientRect().width)});
        });
        document.querySelectorAll('table').forEach(function (t) {
          var box = t.parentElement, h = box;
          while (h && !/^H[1-6]$/.test(h.tagName)) { h = h.previousElementSibling; }
          r.tables.push({heading: h ? h.textContent : '', content: t.scrollWidth, shown: box.clientWidth});
        });
        var pre = document.createElement('pre');
        pre.id = 'browser-measure';
        pre.textContent = JSON.stringify(r);
        document.body.appendChild(pre);
      });
      </script>
      """;

  private ReportInBrowser() {}

  /**
   * Opens {@code reportDir/report.html} in a window {@code width} px wide; scratch files go to
   * {@code work}.
   */
  static Measured open(Path reportDir, Path scratch, int width) throws Exception {
    String chromium = chromium();
    Path work = scratch.toAbsolutePath();
    Files.createDirectories(work);
    try (Stream<Path> files = Files.list(reportDir)) {
      for (Path f : files.toList()) {
        Files.copy(f, work.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    String html = Files.readString(work.resolve("report.html"));
    Path measuring = work.resolve("measure.html");
    Files.writeString(measuring, html.replace("</body>", MEASURE + "</body>"));
    // As root, without a sandbox; no background networking (this machine's network is closed) and a
    // fresh profile.
    List<String> common =
        List.of(
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=" + Files.createTempDirectory(work, "profile-"),
            "--hide-scrollbars",
            "--virtual-time-budget=5000");

    List<String> dump = new ArrayList<>(common);
    dump.addAll(
        List.of("--window-size=" + width + ",1000", "--dump-dom", measuring.toUri().toString()));
    Processes.Result dom = Processes.run(work.resolve("dump-dom.log"), 2, Map.of(), dump);
    if (dom.exitCode() != 0) {
      throw new AssertionError(
          "chromium --dump-dom failed (exit " + dom.exitCode() + "):\n" + dom.tail());
    }
    String out = dom.output();
    int start = out.indexOf("<pre id=\"browser-measure\">");
    int end = start < 0 ? -1 : out.indexOf("</pre>", start);
    if (end < 0) {
      throw new AssertionError(
          "the measuring script did not run; chromium printed:\n" + dom.tail());
    }
    String json =
        out.substring(start + "<pre id=\"browser-measure\">".length(), end)
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
    JsonNode r = new ObjectMapper().readTree(json);
    List<Table> tables = new ArrayList<>();
    for (JsonNode t : r.get("tables")) {
      tables.add(
          new Table(t.get("heading").asText(), t.get("content").asInt(), t.get("shown").asInt()));
    }
    JsonNode image = r.get("images").size() == 0 ? null : r.get("images").get(0);

    Path png = work.resolve("report-" + width + ".png");
    List<String> shot = new ArrayList<>(common);
    shot.addAll(
        List.of(
            "--window-size=" + width + ",4000",
            "--screenshot=" + png,
            work.resolve("report.html").toUri().toString()));
    Processes.Result screenshot = Processes.run(work.resolve("screenshot.log"), 2, Map.of(), shot);
    if (screenshot.exitCode() != 0 || !Files.exists(png)) {
      throw new AssertionError(
          "chromium --screenshot failed (exit "
              + screenshot.exitCode()
              + "):\n"
              + screenshot.tail());
    }
    return new Measured(
        r.get("viewport").asInt(),
        r.get("page").asInt(),
        image == null ? 0 : image.get("natural").asInt(),
        image == null ? 0 : image.get("shown").asInt(),
        tables,
        png);
  }

  /** Debian's headless Chromium: {@code $CHROMIUM}, else {@code chromium} on the PATH. */
  private static String chromium() {
    String given = System.getenv("CHROMIUM");
    if (given != null && !given.isBlank()) {
      return given;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "chromium"))) {
        return Path.of(dir, "chromium").toString();
      }
    }
    throw new AssertionError(
        "headless Chromium is needed to look at the report: apt-get install chromium (.ci/run"
            + " installs it), or set CHROMIUM to its path");
  }

  static String describe(Measured m) {
    return "viewport "
        + m.viewport()
        + " px, page "
        + m.page()
        + " px, chart "
        + m.chartShown()
        + " of "
        + m.chartNatural()
        + " px, tables "
        + m.tables()
        + "; screenshot "
        + m.screenshot();
  }
}
