package io.github.finetune4j.pipeline;

import io.github.finetune4j.data.DataException;
import io.github.finetune4j.data.ImageFolderSource;
import io.github.finetune4j.data.ImageOps;
import io.github.finetune4j.data.ImageTransform;
import io.github.finetune4j.data.TabularData;
import io.github.finetune4j.recipe.AugmentSpec;
import io.github.finetune4j.recipe.ImageFolderSplit;
import io.github.finetune4j.recipe.ImageSpec;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.train.AugmentedBatches;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.FeatureBatches;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The {@code image-folder} splits of a recipe as tables of pixels (one row of {@code channels *
 * height * width} values per image) for {@link FeatureFamily}: read with {@code data.image}'s
 * transform, sampled ({@code limit}: class-balanced, seeded) and carved ({@code valid_fraction}),
 * normalized; the training split augmented afresh at every draw when {@code data.image.augment}
 * asks for it.
 */
final class ImageTables {

  /**
   * What a run needs besides the normalized tables.
   *
   * @param transform the transform (stored in the export)
   * @param height the height of every image
   * @param width the width of every image
   * @param trainBase the training images before normalization (augmentation works on them)
   * @param augment the augmentation, or null for none
   * @param skipped unreadable images left out, over all splits
   * @param firstSkipped the first of them, or null
   */
  record Images(
      ImageTransform transform,
      int height,
      int width,
      float[][] trainBase,
      ImageOps.Augment augment,
      int skipped,
      String firstSkipped) {

    /** {@code [channels, height, width]}. */
    long[] exampleShape() {
      return new long[] {transform.channels(), height, width};
    }
  }

  private ImageTables() {}

  /** The transform {@code data.image} declares. */
  static ImageTransform transform(Recipe recipe) {
    return transform(recipe, null);
  }

  /**
   * The transform {@code data.image} declares, its {@code mean} and {@code std} taken from the
   * model's own transform ({@code defaults}, e.g. a Finetune4J export's) where the recipe gives
   * none and the channels agree.
   */
  static ImageTransform transform(Recipe recipe, ImageTransform defaults) {
    ImageSpec im =
        recipe.data().image() == null ? ImageSpec.builder().build() : recipe.data().image();
    boolean inherit = defaults != null && defaults.channels() == im.channels();
    double[] mean = doubles(im.mean());
    double[] std = doubles(im.std());
    return new ImageTransform(
        im.channels(),
        ints(im.resize()),
        ints(im.crop()),
        im.pad(),
        mean == null && inherit ? defaults.mean() : mean,
        std == null && inherit ? defaults.std() : std);
  }

  /** One image of the training folder, for the plan: its input shape. */
  static long[] firstShape(Recipe recipe) throws BadInputException {
    ImageFolderSplit spec = (ImageFolderSplit) recipe.data().train();
    ImageTransform t = transform(recipe);
    ImageFolderSource source =
        new ImageFolderSource(
            Path.of(spec.path()), recipe.head().classes(), t, "skip".equals(spec.onBadRecord()));
    try {
      int k = recipe.head().classes().size();
      int[][] pick = new int[k][];
      pick[0] = new int[] {0};
      for (int c = 1; c < k; c++) {
        pick[c] = new int[0];
      }
      ImageFolderSource.Images one = source.read(pick);
      return new long[] {t.channels(), one.height(), one.width()};
    } catch (DataException e) {
      throw new BadInputException(List.of("data.train: " + e.getMessage()));
    }
  }

  /** Reads the splits: normalized tables, and the images' shape and augmentation. */
  static FeatureFamily.Tables read(Recipe recipe, ImageTransform defaults, PrintStream out)
      throws BadInputException {
    ImageTransform t = transform(recipe, defaults);
    ImageTransform declared = transform(recipe);
    if ((t.mean() != null && declared.mean() == null)
        || (t.std() != null && declared.std() == null)) {
      out.printf(
          Locale.ROOT,
          "Note: data.image: mean %s and std %s from the model's own transform%n",
          Arrays.toString(t.mean()),
          Arrays.toString(t.std()));
    }
    long seed = recipe.train().seed();
    ImageFolderSplit trainSpec = (ImageFolderSplit) recipe.data().train();
    ImageFolderSource trainSource = source(recipe, trainSpec, t);
    ImageFolderSource.Images train;
    ImageFolderSource.Images valid = null;
    try {
      int[] counts = trainSource.files().stream().mapToInt(List::size).toArray();
      int[][] keep = null;
      if (trainSpec.validFraction() != null) {
        int[][][] parts = ImageFolderSource.carve(counts, trainSpec.validFraction(), seed);
        keep = parts[0];
        valid = trainSource.read(parts[1]);
      }
      if (trainSpec.limit() != null) {
        int[] have = new int[counts.length];
        for (int c = 0; c < counts.length; c++) {
          have[c] = keep == null ? counts[c] : keep[c].length;
        }
        int[][] sample = ImageFolderSource.balanced(have, trainSpec.limit(), seed + 1);
        for (int c = 0; keep != null && c < counts.length; c++) {
          for (int i = 0; i < sample[c].length; i++) {
            sample[c][i] = keep[c][sample[c][i]];
          }
        }
        keep = sample;
      }
      train = trainSource.read(keep);
    } catch (DataException e) {
      throw new BadInputException(List.of("data.train: " + e.getMessage()));
    }
    if (recipe.data().valid() != null) {
      valid = readSplit("data.valid", (ImageFolderSplit) recipe.data().valid(), recipe, t, seed);
    }
    ImageFolderSource.Images test =
        recipe.data().test() == null
            ? null
            : readSplit("data.test", (ImageFolderSplit) recipe.data().test(), recipe, t, seed);
    String[] names = {"data.valid", "data.test"};
    ImageFolderSource.Images[] others = {valid, test};
    for (int i = 0; i < 2; i++) {
      if (others[i] != null
          && (others[i].height() != train.height() || others[i].width() != train.width())) {
        throw new BadInputException(
            List.of(
                names[i]
                    + ": its images are "
                    + others[i].height()
                    + "x"
                    + others[i].width()
                    + " but data.train's are "
                    + train.height()
                    + "x"
                    + train.width()
                    + "; give data.image.resize to bring every split to one size"));
      }
    }
    int skipped = train.skipped() + (test == null ? 0 : test.skipped());
    if (recipe.data().valid() != null && valid != null) {
      skipped += valid.skipped();
    }
    String first =
        train.firstSkipped() != null
            ? train.firstSkipped()
            : valid != null && valid.firstSkipped() != null
                ? valid.firstSkipped()
                : test == null ? null : test.firstSkipped();
    if (skipped > 0) {
      out.printf(
          Locale.ROOT,
          "Note: skipped %d unreadable image%s (on_bad_record: skip); the first: %s%n",
          skipped,
          skipped == 1 ? "" : "s",
          first);
    }
    AugmentSpec a = recipe.data().image() == null ? null : recipe.data().image().augment();
    ImageOps.Augment augment =
        a == null || !a.any()
            ? null
            : new ImageOps.Augment(
                a.flip(),
                a.rotation(),
                a.shift(),
                a.resizedCrop() == null ? 0 : a.resizedCrop().get(0),
                a.resizedCrop() == null ? 0 : a.resizedCrop().get(1));
    Images images =
        new Images(
            t,
            train.height(),
            train.width(),
            augment == null ? null : train.data().features(),
            augment,
            skipped,
            first);
    return new FeatureFamily.Tables(
        normalized(train.data(), t),
        valid == null ? null : normalized(valid.data(), t),
        test == null ? null : normalized(test.data(), t),
        null,
        images);
  }

  /**
   * The training batches: augmented afresh at every draw (seeded by {@code train.seed}, the image
   * and its draw count), or the normalized images as they are.
   */
  static Batches trainBatches(TabularData train, Images images, long seed) {
    if (images.augment() == null) {
      return new FeatureBatches(train.features(), train.labels());
    }
    int c = images.transform().channels();
    int h = images.height();
    int w = images.width();
    return new AugmentedBatches(
        images.trainBase(),
        train.labels(),
        (example, draw, base) -> {
          Random r = new Random(seed * 0x9E3779B97F4A7C15L + example * 1_000_003L + draw);
          return images.transform().normalize(ImageOps.augment(base, c, h, w, images.augment(), r));
        });
  }

  private static ImageFolderSource.Images readSplit(
      String key, ImageFolderSplit spec, Recipe recipe, ImageTransform t, long seed)
      throws BadInputException {
    ImageFolderSource source = source(recipe, spec, t);
    try {
      int[][] pick = null;
      if (spec.limit() != null) {
        int[] counts = source.files().stream().mapToInt(List::size).toArray();
        pick = ImageFolderSource.balanced(counts, spec.limit(), seed + 2);
      }
      return source.read(pick);
    } catch (DataException e) {
      throw new BadInputException(List.of(key + ": " + e.getMessage()));
    }
  }

  private static ImageFolderSource source(Recipe recipe, ImageFolderSplit spec, ImageTransform t) {
    return new ImageFolderSource(
        Path.of(spec.path()), recipe.head().classes(), t, "skip".equals(spec.onBadRecord()));
  }

  private static TabularData normalized(TabularData data, ImageTransform t) {
    if (t.mean() == null && t.std() == null) {
      return data;
    }
    int width = data.featureCount();
    float[] flat = new float[data.rows() * width];
    for (int r = 0; r < data.rows(); r++) {
      float[] px = t.normalize(data.row(r));
      System.arraycopy(px, 0, flat, r * width, width);
    }
    return TabularData.classification(data.featureNames(), flat, data.labels(), data.classes());
  }

  private static int[] ints(List<Integer> v) {
    return v == null ? null : v.stream().mapToInt(Integer::intValue).toArray();
  }

  private static double[] doubles(List<Double> v) {
    return v == null ? null : v.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Per class, the number of rows of each label. */
  static List<Integer> perClass(TabularData d) {
    int[] n = new int[d.classes().size()];
    for (int l : d.labels()) {
      n[l]++;
    }
    List<Integer> out = new ArrayList<>();
    for (int v : n) {
      out.add(v);
    }
    return out;
  }
}
