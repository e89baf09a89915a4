package io.distill.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Moving a directory's files one by one, for file systems where renaming a directory is not one
 * step. On an object store (s3a://, gs://, abfs://, ...) a directory rename copies every object and
 * deletes the sources as it goes, so a crash in the middle leaves part of the directory in each
 * place, and a reader may list a half-copied directory that already holds {@code _SUCCESS}. Moving
 * file by file, under the commit's control, keeps two promises instead:
 *
 * <ul>
 *   <li>every file is, at every instant, complete at its source or its destination (a single
 *       object's copy is atomic, and a source is deleted only after its copy), so finishing or
 *       undoing a move after a crash loses nothing;
 *   <li>the markers (names starting with {@code _}: {@code _SUCCESS}, {@code _distill_output.json},
 *       {@code _manifest.json}) leave a directory first and arrive last, so a directory that holds
 *       {@code _SUCCESS} holds every file of the same output.
 * </ul>
 */
final class ObjectStoreMoves {
  private ObjectStoreMoves() {}

  /** Whether {@code fs} renames a directory in one atomic step (local disks and HDFS). */
  static boolean renamesDirectoriesAtomically(FileSystem fs) {
    return fs instanceof LocalFileSystem
        || fs instanceof RawLocalFileSystem
        || "hdfs".equals(fs.getScheme());
  }

  /** A marker file: written last by the writer, read first by a reader. */
  static boolean isMarker(Path file) {
    return file.getName().startsWith("_");
  }

  /**
   * Moves every file under {@code from} to the same relative path under {@code to}, then deletes
   * {@code from}: markers first when {@code markersFirst} (taking an output apart), last otherwise
   * (putting one together). A file already at its destination (a move cut between its copy and its
   * delete) only loses its source. {@code afterEach} runs after each file (tests crash there).
   */
  static void moveFiles(FileSystem fs, Path from, Path to, boolean markersFirst, Runnable afterEach)
      throws IOException {
    if (!fs.exists(from)) {
      return;
    }
    String root = fs.makeQualified(from).toUri().getPath();
    List<Path> files = new ArrayList<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(from, true);
    while (it.hasNext()) {
      files.add(it.next().getPath());
    }
    Comparator<Path> order =
        Comparator.comparing((Path p) -> isMarker(p) != markersFirst)
            .thenComparing(p -> p.getName().equals("_SUCCESS") != markersFirst)
            .thenComparing(Path::toString);
    files.sort(order);
    for (Path file : files) {
      String relative = file.toUri().getPath().substring(root.length() + 1);
      Path destination = new Path(to, relative);
      if (fs.exists(destination)) {
        fs.delete(file, false);
      } else {
        fs.mkdirs(destination.getParent());
        if (!fs.rename(file, destination)) {
          throw new IOException("could not move " + file + " to " + destination);
        }
      }
      afterEach.run();
    }
    fs.delete(from, true);
  }
}
