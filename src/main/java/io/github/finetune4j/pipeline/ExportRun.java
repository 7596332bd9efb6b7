package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code finetune export}: writes standard formats ({@link Formats}) from a finished run's export.
 * The export is checked against its manifest and loaded as {@code finetune predict} loads it; each
 * format is written into a temporary directory and renamed into place, and the manifest is written
 * again last, so an interrupted export never leaves a format that looks complete.
 */
final class ExportRun {

  private ExportRun() {}

  /**
   * Writes formats from a run's export.
   *
   * @param runDir a run directory, or its {@code model} directory
   * @param asked the formats ({@code onnx}, {@code hf}, {@code djl}); null for every one that
   *     applies
   * @param out the directory to write them into (must not exist, or be empty), or null for the
   *     export's own {@code model/} directory
   * @param console progress output
   * @return the directories written
   * @throws BadInputException when the export is missing, damaged or cannot have a format
   * @throws IOException when writing fails
   */
  static List<Path> export(Path runDir, List<String> asked, Path out, PrintStream console)
      throws BadInputException, IOException {
    if (out != null && Files.exists(out) && !isEmptyDirectory(out)) {
      throw new BadInputException(
          List.of(out + ": --out must be a new or empty directory (nothing in it is replaced)"));
    }
    if (out != null && !Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
      String why = RunDirectory.notCreatable(out);
      if (why != null) {
        throw new BadInputException(List.of(out + ": --out cannot be created: " + why));
      }
    }
    try (Predictor p = Predictor.open(runDir)) {
      Path modelDir = p.dir();
      Formats.Subject subject = subject(modelDir, p.block());
      List<String> formats = new ArrayList<>(Formats.resolve(asked, subject, "--format"));
      Path run = modelDir.getParent();
      Path runFiles = run != null && Files.isRegularFile(run.resolve("summary.json")) ? run : null;
      if (asked == null && runFiles == null) {
        for (String f : List.copyOf(formats)) {
          if (Formats.needsRun(f)) {
            formats.remove(f);
            console.println(
                "Skipped "
                    + f
                    + ": it needs the run directory (summary.json), and "
                    + modelDir
                    + " has none beside it");
          }
        }
      }
      if (formats.isEmpty()) {
        throw new BadInputException(
            List.of(
                modelDir
                    + ": no standard format applies to this model ("
                    + subject.family()
                    + " model, task "
                    + subject.task()
                    + "); ask for one with --format to see why"));
      }
      Path into = out == null ? modelDir : out;
      Path made = RunDirectory.topmostMissing(into); // what this export creates
      Files.createDirectories(into);
      List<Path> written = new ArrayList<>();
      try {
        for (String f : formats) {
          Path target = into.resolve(Formats.directory(f));
          if (Files.exists(target)) {
            console.println("Kept " + target + " (already there; checked by the manifest)");
            continue;
          }
          Path temp = into.resolve("." + Formats.directory(f) + ".partial");
          RunDirectory.deleteTree(temp);
          try {
            Formats.writeOne(f, runFiles, modelDir, temp, p.block());
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
          } finally {
            RunDirectory.deleteTree(temp);
          }
          written.add(target);
          console.println("Wrote " + target);
        }
        Manifest.write(into);
      } catch (IOException | BadInputException | RuntimeException e) {
        // all or nothing: a format refused or a full disk leaves the directory as it was (the
        // run's model/ still matching its manifest), so "Nothing was written" is true
        for (Path w : written) {
          RunDirectory.deleteTree(w);
        }
        if (made != null) {
          RunDirectory.deleteTree(made);
        }
        if (!written.isEmpty()) {
          console.println("Removed again what this export wrote: " + written);
        }
        throw e;
      }
      return written;
    }
  }

  /** Family, task and module kind, from the export's metadata. */
  static Formats.Subject subject(Path modelDir, ai.djl.nn.Block block) throws BadInputException {
    Path metaFile = modelDir.resolve(Exporter.MODEL_CONFIG);
    JsonNode root = Problems.readJson(metaFile);
    boolean features = FeatureMetadata.KIND.equals(FeatureMetadata.kindOf(metaFile));
    String family = features ? "features" : "text";
    String task = root == null ? "classification" : root.path("task").asText("classification");
    return Formats.subject(family, task, block);
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }
}
