package io.distill.core;

import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a file is read from: any Hadoop FileSystem URI (file://, hdfs://, s3a://, or a plain local
 * path), or a resource shipped inside the application jar, written {@code
 * classpath:/io/distill/...}. A source is serializable, so Spark tasks open it themselves; a {@code
 * classpath:} source works on executors because the application jar is on their classpath too.
 *
 * <p>{@link #open} decompresses gzip transparently: it looks at the first two bytes (0x1f 0x8b),
 * not the name.
 */
public final class DataSource implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String CLASSPATH_PREFIX = "classpath:";

  private final String location;

  private DataSource(String location) {
    this.location = location;
  }

  /** A Hadoop path or URI, or {@code classpath:/resource/name}. */
  public static DataSource of(String location) {
    Objects.requireNonNull(location, "location");
    if (location.isBlank()) {
      throw new IllegalArgumentException("A data source location cannot be blank");
    }
    return new DataSource(location);
  }

  public String location() {
    return location;
  }

  public boolean isClasspathResource() {
    return location.startsWith(CLASSPATH_PREFIX);
  }

  /** True when the file or resource exists. */
  public boolean exists(Configuration hadoopConf) {
    if (isClasspathResource()) {
      return DataSource.class.getResource(resourceName()) != null;
    }
    try {
      Path path = new Path(location);
      return path.getFileSystem(hadoopConf).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot check whether " + location + " exists: " + e.getMessage(), e);
    }
  }

  /** Opens the bytes, gunzipped when the content is gzip. The caller closes the stream. */
  public InputStream open(Configuration hadoopConf) throws IOException {
    InputStream raw;
    if (isClasspathResource()) {
      raw = DataSource.class.getResourceAsStream(resourceName());
      if (raw == null) {
        throw new FileNotFoundException(
            "No resource " + resourceName() + " on the classpath (" + location + ")");
      }
    } else {
      Path path = new Path(location);
      FileSystem fs = path.getFileSystem(hadoopConf);
      raw = fs.open(path);
    }
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return in;
  }

  private String resourceName() {
    String name = location.substring(CLASSPATH_PREFIX.length());
    return name.startsWith("/") ? name : "/" + name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataSource && ((DataSource) o).location.equals(location);
  }

  @Override
  public int hashCode() {
    return location.hashCode();
  }

  @Override
  public String toString() {
    return location;
  }
}
