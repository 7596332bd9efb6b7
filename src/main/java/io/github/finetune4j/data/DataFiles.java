package io.github.finetune4j.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opening a data file (through gzip when its name ends in {@code .gz}) and turning the failures of
 * opening and reading it into {@link DataException}s that name the file. The messages are the ones
 * {@link TextJsonlSource} gives, so that every source words a missing, unreadable or truncated file
 * the same way.
 */
final class DataFiles {

  private DataFiles() {}

  /**
   * Whether the file is read through gzip.
   *
   * @param path the file
   * @return true when its name ends in {@code .gz}
   */
  static boolean isGzip(Path path) {
    return path.toString().endsWith(".gz");
  }

  /**
   * Opens the file for reading, decompressing it when {@link #isGzip(Path)}.
   *
   * @param path the file
   * @return the (decompressed) bytes; the caller closes it
   * @throws DataException for a directory, or a {@code .gz} file that does not start as gzip data
   * @throws IOException when the file cannot be opened; pass it to {@link #readError(Path,
   *     IOException)}
   */
  static InputStream open(Path path) throws DataException, IOException {
    if (Files.isDirectory(path)) {
      throw new DataException(path + ": is a directory, not a data file");
    }
    InputStream raw = Files.newInputStream(path);
    if (!isGzip(path)) {
      return raw;
    }
    try {
      return new GZIPInputStream(raw, 1 << 16);
    } catch (EOFException e) {
      raw.close();
      throw new DataException(path + ": not a gzip file (empty or truncated)");
    } catch (ZipException e) {
      raw.close();
      throw new DataException(
          path + ": not a gzip file (the name ends in .gz but the content is not gzip-compressed)");
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /**
   * The stream, checked not to start as UTF-16 or UTF-32 text (see {@link #wideEncoding}).
   *
   * @param path the file, for the message
   * @param in its (decompressed) bytes
   * @return the same bytes
   * @throws DataException when the file is in UTF-16 or UTF-32
   * @throws IOException when it cannot be read
   */
  static InputStream utf8Only(Path path, InputStream in) throws DataException, IOException {
    PushbackInputStream p = new PushbackInputStream(in, 4);
    byte[] head = p.readNBytes(4);
    p.unread(head);
    String wide = wideEncoding(head, 0, head.length);
    if (wide != null) {
      throw wideEncodingError(path, wide);
    }
    return p;
  }

  /**
   * The encoding that the first bytes of a file show it is in, when that is UTF-16 or UTF-32 rather
   * than UTF-8: a byte order mark, or the zero bytes of ASCII text in UTF-16 (which no text in
   * UTF-8 starts with).
   *
   * @param b the bytes
   * @param start where the file starts in {@code b}
   * @param length how many bytes follow (the first four are looked at)
   * @return for instance "UTF-16 (little-endian)", or null
   */
  static String wideEncoding(byte[] b, int start, int length) {
    int n = Math.min(length, 4);
    int[] v = new int[4];
    for (int i = 0; i < 4; i++) {
      v[i] = i < n ? b[start + i] & 0xFF : -1;
    }
    if (v[0] == 0xFF && v[1] == 0xFE && v[2] == 0 && v[3] == 0) {
      return "UTF-32 (little-endian)";
    }
    if (v[0] == 0 && v[1] == 0 && v[2] == 0xFE && v[3] == 0xFF) {
      return "UTF-32 (big-endian)";
    }
    if (v[0] == 0xFF && v[1] == 0xFE || v[0] > 0 && v[1] == 0 && v[2] > 0 && v[3] == 0) {
      return "UTF-16 (little-endian)";
    }
    if (v[0] == 0xFE && v[1] == 0xFF || v[0] == 0 && v[1] > 0 && v[2] == 0 && v[3] > 0) {
      return "UTF-16 (big-endian)";
    }
    return null;
  }

  /**
   * The error for a file in UTF-16 or UTF-32.
   *
   * @param path the file
   * @param encoding what {@link #wideEncoding} found
   * @return one sentence that starts with the path
   */
  static DataException wideEncodingError(Path path, String encoding) {
    return new DataException(
        path + ": the file is in " + encoding + ", not UTF-8; save it as UTF-8");
  }

  /**
   * The error for a failure while opening or reading the file.
   *
   * @param path the file
   * @param e what opening or reading it threw
   * @return one sentence that starts with the path
   */
  static DataException readError(Path path, IOException e) {
    if (e instanceof NoSuchFileException) {
      return new DataException(path + ": data file not found");
    }
    if (e instanceof EOFException) {
      String what = isGzip(path) ? "gzip data ends early (truncated file)" : "the file ends early";
      return new DataException(path + ": " + what);
    }
    if (e instanceof ZipException) {
      return new DataException(path + ": gzip data is corrupt" + detail(e.getMessage()));
    }
    if (e instanceof AccessDeniedException) {
      return new DataException(path + ": cannot read the data file (permission denied)");
    }
    String reason = e instanceof FileSystemException fs ? fs.getReason() : e.getMessage();
    return new DataException(path + ": cannot read the data file" + detail(reason));
  }

  /** " (reason)" in lower case, or nothing when there is no reason. */
  private static String detail(String reason) {
    return reason == null || reason.isBlank() ? "" : " (" + reason.toLowerCase(Locale.ROOT) + ")";
  }
}
