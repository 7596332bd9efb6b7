package io.github.finetune4j.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A folder of images with one sub-folder per class (DJL's {@code ImageFolder} layout): every
 * sub-folder is a class named in {@code classes}, every class has a sub-folder with at least one
 * image; files are read in name order, sub-folders in the order of {@code classes}. Images are
 * decoded with {@link ImageIO} (PNG, JPEG, BMP, GIF), converted to the channels asked for, resized
 * and center-cropped (see {@link ImageOps}); files of other extensions and hidden entries are not
 * read. An image that decodes only with a warning of the decoder (a JPEG cut short, whose missing
 * part ImageIO fills with gray) or whose header says more than 89,478,485 pixels (Pillow's limit)
 * is unreadable: an error, or left out with {@code skipBad}.
 */
public final class ImageFolderSource {

  /** The file extensions read, lower case. */
  public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

  private final Path dir;
  private final List<String> classes;
  private final ImageTransform transform;
  private final boolean skipBad;

  /**
   * The images of a folder, as pixels in [0, 1].
   *
   * @param data one row of {@code channels * height * width} pixels per image, with its class
   * @param channels 1 or 3
   * @param height the height of every image
   * @param width the width of every image
   * @param files the file of each row
   * @param skipped how many unreadable images were left out
   * @param firstSkipped the first of them and why, or null
   */
  public record Images(
      TabularData data,
      int channels,
      int height,
      int width,
      List<Path> files,
      int skipped,
      String firstSkipped) {

    /**
     * Some of the images.
     *
     * @param rows row indices
     * @return those rows, in that order
     */
    public Images select(int[] rows) {
      List<Path> f = new ArrayList<>();
      for (int r : rows) {
        f.add(files.get(r));
      }
      return new Images(data.select(rows), channels, height, width, f, skipped, firstSkipped);
    }
  }

  /**
   * Describes the folder to read.
   *
   * @param dir the folder
   * @param classes the class names, which must be exactly its sub-folders
   * @param transform channels, resize and crop (its normalization is not applied here)
   * @param skipBad leave unreadable images out instead of failing
   */
  public ImageFolderSource(
      Path dir, List<String> classes, ImageTransform transform, boolean skipBad) {
    this.dir = dir;
    this.classes = List.copyOf(classes);
    this.transform = transform;
    this.skipBad = skipBad;
  }

  /**
   * The image files of each class, in name order, without reading them.
   *
   * @return per class (in the order of {@code classes}) its files
   * @throws DataException when the sub-folders are not exactly the classes, or a class has none
   */
  public List<List<Path>> files() throws DataException {
    if (!Files.isDirectory(dir)) {
      throw new DataException(dir + ": not a folder");
    }
    Set<String> folders = new TreeSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .forEach(folders::add);
    } catch (IOException e) {
      throw new DataException(dir + ": cannot list the folder: " + e.getMessage());
    }
    List<String> missing = classes.stream().filter(c -> !folders.contains(c)).toList();
    List<String> extra = folders.stream().filter(f -> !classes.contains(f)).toList();
    if (!missing.isEmpty() || !extra.isEmpty()) {
      throw new DataException(
          dir
              + ": its class sub-folders "
              + folders
              + " are not head.classes "
              + classes
              + (missing.isEmpty() ? "" : "; no sub-folder for " + missing)
              + (extra.isEmpty() ? "" : "; not a class: " + extra)
              + " (every split has one sub-folder per class, named as the class)");
    }
    List<List<Path>> out = new ArrayList<>();
    for (String c : classes) {
      Path sub = dir.resolve(c);
      List<Path> images;
      try (Stream<Path> s = Files.list(sub)) {
        images =
            // everything named like an image, regular file or not: a pipe, a device or a link
            // that leads nowhere is reported (or skipped and counted) when read, never dropped
            s.filter(p -> !Files.isDirectory(p))
                .filter(p -> !p.getFileName().toString().startsWith("."))
                .filter(p -> EXTENSIONS.contains(extension(p)))
                .sorted()
                .toList();
      } catch (IOException e) {
        throw new DataException(sub + ": cannot list the folder: " + e.getMessage());
      }
      if (images.isEmpty()) {
        throw new DataException(
            sub + ": the class '" + c + "' has no image (" + String.join(", ", EXTENSIONS) + ")");
      }
      out.add(images);
    }
    return out;
  }

  /**
   * Reads every image.
   *
   * @return the images
   * @throws DataException for a folder that does not fit the classes, an unreadable image (unless
   *     skipped), images of different sizes without a resize, or a crop larger than the images
   */
  public Images read() throws DataException {
    return read(null);
  }

  /**
   * Reads some of the images: per class, the files at the given positions of {@link #files()}.
   *
   * @param pick per class the positions to read, or null for all
   * @return the images
   * @throws DataException as {@link #read()}
   */
  public Images read(int[][] pick) throws DataException {
    List<List<Path>> files = files();
    List<float[]> rows = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    List<Path> read = new ArrayList<>();
    int skipped = 0;
    String firstSkipped = null;
    int h = -1;
    int w = -1;
    Path first = null;
    for (int c = 0; c < files.size(); c++) {
      List<Path> list = files.get(c);
      int[] positions = pick == null ? range(list.size()) : pick[c];
      for (int i : positions) {
        Path f = list.get(i);
        BufferedImage img;
        String why;
        try {
          if (!Files.isRegularFile(f)) {
            // never opened: reading a named pipe would wait for a writer forever
            img = null;
            why =
                Files.exists(f)
                    ? "not a regular file (a named pipe, device or socket)"
                    : "a link that leads nowhere (missing target, or a loop)";
          } else {
            img = ImageOps.read(f);
            why = img == null ? "not an image ImageIO can decode" : null;
          }
        } catch (IOException | RuntimeException e) {
          img = null;
          why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        if (img == null) {
          if (!skipBad) {
            throw new DataException(
                f
                    + ": cannot read the image: "
                    + why
                    + " (data.*.on_bad_record: skip leaves it out)");
          }
          skipped++;
          if (firstSkipped == null) {
            firstSkipped = f + " (" + why + ")";
          }
          continue;
        }
        int[] crop = transform.crop();
        int rh = transform.resize() == null ? img.getHeight() : transform.resize()[0];
        int rw = transform.resize() == null ? img.getWidth() : transform.resize()[1];
        if (crop != null && (crop[0] > rh || crop[1] > rw)) {
          throw new DataException(
              f
                  + ": the image is "
                  + rh
                  + "x"
                  + rw
                  + ", smaller than data.image.crop "
                  + Arrays.toString(crop));
        }
        ImageTransform.Pixels p = transform.pixels(img);
        float[] px = p.values();
        int ih = p.height();
        int iw = p.width();
        if (h < 0) {
          h = ih;
          w = iw;
          first = f;
        } else if (ih != h || iw != w) {
          throw new DataException(
              f
                  + ": the image is "
                  + ih
                  + "x"
                  + iw
                  + " but "
                  + first
                  + " is "
                  + h
                  + "x"
                  + w
                  + "; give data.image.resize to bring every image to one size");
        }
        rows.add(px);
        labels.add(c);
        read.add(f);
      }
    }
    if (rows.isEmpty()) {
      throw new DataException(dir + ": no image could be read (first: " + firstSkipped + ")");
    }
    int channels = transform.channels();
    int size = channels * h * w;
    float[] flat = new float[rows.size() * size];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, flat, i * size, size);
    }
    List<String> names = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      names.add("p" + i);
    }
    TabularData data =
        TabularData.classification(
            names, flat, labels.stream().mapToInt(Integer::intValue).toArray(), classes);
    return new Images(data, channels, h, w, List.copyOf(read), skipped, firstSkipped);
  }

  /**
   * Per class, the positions of a seeded sample of {@code n} images balanced over the classes: the
   * classes take turns (in order) drawing from their own shuffled files until {@code n} are drawn
   * or every class is used up; positions come back sorted.
   *
   * @param counts the number of images per class
   * @param n how many to draw
   * @param seed the seed
   * @return per class the positions drawn
   */
  public static int[][] balanced(int[] counts, int n, long seed) {
    Random r = new Random(seed);
    List<List<Integer>> shuffled = new ArrayList<>();
    for (int count : counts) {
      List<Integer> p = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        p.add(i);
      }
      Collections.shuffle(p, r);
      shuffled.add(p);
    }
    List<List<Integer>> out = new ArrayList<>();
    counts = counts.clone();
    for (int i = 0; i < counts.length; i++) {
      out.add(new ArrayList<>());
    }
    int drawn = 0;
    boolean more = true;
    while (drawn < n && more) {
      more = false;
      for (int c = 0; c < counts.length && drawn < n; c++) {
        if (out.get(c).size() < shuffled.get(c).size()) {
          out.get(c).add(shuffled.get(c).get(out.get(c).size()));
          drawn++;
          more = true;
        }
      }
    }
    int[][] pick = new int[counts.length][];
    for (int c = 0; c < counts.length; c++) {
      pick[c] = out.get(c).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
    return pick;
  }

  /**
   * Splits each class's positions in two by a seeded fraction: the carved part takes {@code
   * round(fraction * count)} of each class (at least one when the class has two or more).
   *
   * @param counts the number of images per class
   * @param fraction the share carved out
   * @param seed the seed
   * @return {@code [0]} the rest and {@code [1]} the carved part, each per class, positions sorted
   */
  public static int[][][] carve(int[] counts, double fraction, long seed) {
    Random r = new Random(seed);
    int[][] rest = new int[counts.length][];
    int[][] carved = new int[counts.length][];
    for (int c = 0; c < counts.length; c++) {
      List<Integer> p = new ArrayList<>();
      for (int i = 0; i < counts[c]; i++) {
        p.add(i);
      }
      Collections.shuffle(p, r);
      int k = (int) Math.round(fraction * counts[c]);
      if (k == 0 && counts[c] >= 2) {
        k = 1;
      }
      if (k >= counts[c]) {
        k = counts[c] - 1;
      }
      carved[c] = p.subList(0, k).stream().mapToInt(Integer::intValue).sorted().toArray();
      rest[c] = p.subList(k, p.size()).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
    return new int[][][] {rest, carved};
  }

  private static int[] range(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  private static String extension(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}
