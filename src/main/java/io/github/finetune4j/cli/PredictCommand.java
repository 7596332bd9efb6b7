package io.github.finetune4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.PredictInput;
import io.github.finetune4j.pipeline.Prediction;
import io.github.finetune4j.pipeline.Predictor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code finetune predict}: predict with a run's exported model (texts, rows or images). */
@Command(
    name = "predict",
    description = {
      "Predict with a fine-tuned run's exported model.",
      "A text classifier takes texts as arguments, or one per line from --input FILE (- for"
          + " standard input).",
      "A model of text pairs (a cross-encoder) takes JSON Lines from --input FILE.jsonl (or"
          + " --jsonl), each line with both texts in the fields recorded at export.",
      "A CSV table (FILE.csv, or a first line that is a CSV header naming the text field) is"
          + " refused for a text classifier; --lines reads any file one text per line.",
      "A model of feature vectors (csv data) takes --input FILE.csv: a header row naming its"
          + " feature columns (other columns are ignored), one row per example.",
      "The model's files are checked against its manifest.json before it is loaded."
    })
final class PredictCommand extends CliCommand {
  /** Texts classified per round, so that output flows while a large input is classified. */
  private static final int CHUNK = 4096;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Output formats. */
  enum Format {
    tsv,
    jsonl
  }

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Parameters(
      index = "0",
      paramLabel = "RUN_DIR",
      description = "A run directory (or its model directory).")
  Path runDir;

  @Parameters(
      index = "1..*",
      arity = "0..*",
      paramLabel = "TEXT",
      description = "Texts to classify (or use --input).")
  List<String> texts = new ArrayList<>();

  @Option(
      names = "--input",
      paramLabel = "FILE",
      description =
          "Read the texts from FILE (- for standard input), one per line; empty lines"
              + " are skipped. A .gz file is decompressed.")
  String input;

  @Option(
      names = "--jsonl",
      description =
          "The input is JSON Lines: one object per line, the text in --text-field"
              + " (automatic for files named *.jsonl or *.jsonl.gz).")
  boolean jsonl;

  @Option(
      names = "--lines",
      description =
          "The input is one text per line, whatever its name or first line: without it, a"
              + " FILE.csv, or a first line that is a CSV header naming the model's text field,"
              + " is refused (a text classifier does not read CSV tables).")
  boolean lines;

  @Option(
      names = "--text-field",
      paramLabel = "NAME",
      description =
          "The JSONL field that holds the text (default: the one recorded at export,"
              + " else \"text\").")
  String textField;

  @Option(
      names = "--format",
      paramLabel = "tsv|jsonl",
      defaultValue = "tsv",
      description =
          "Output, one line per text or row in input order: tsv (label,"
              + " probability, text; for rows: label, probability, or the predicted values of a"
              + " regression; the default) or jsonl ({\"text\", \"label\", \"probabilities\"};"
              + " for rows {\"label\", \"probabilities\"} or {TARGET: value, ...}).")
  Format format;

  @Option(
      names = "--precision",
      paramLabel = "fp32|bf16|auto",
      defaultValue = "fp32",
      description =
          "A text classifier's matrix products: fp32 (the default; the same probabilities as"
              + " plain DJL loading the model), bf16 (bfloat16 products, about twice as fast"
              + " where the CPU has bf16 units; probabilities within bf16 rounding), or auto"
              + " (bf16 where the CPU has bf16 units).")
  String precision;

  @Override
  public Integer call() throws Exception {
    try {
      if (!List.of("fp32", "bf16", "auto").contains(precision)) {
        throw new BadInputException(
            List.of("--precision: expected fp32, bf16 or auto, got \"" + precision + "\""));
      }
      if (Predictor.readsFeatures(runDir)) {
        if (precision.equals("bf16")) {
          throw new BadInputException(
              List.of(
                  "--precision bf16 applies to text classifiers (BERT-family encoders); "
                      + runDir
                      + " holds a model of feature vectors, which predicts in float32"));
        }
        try (Predictor predictor = Predictor.open(runDir)) {
          return predictor.reads().equals("images") ? images(predictor) : rows(predictor);
        }
      }
      Path file = input == null || input.equals("-") ? null : inputPath();
      boolean fromJsonl =
          input != null && (jsonl || (!lines && file != null && PredictInput.isJsonlName(file)));
      usage(fromJsonl);
      try (Predictor predictor = Predictor.open(runDir)) {
        predictor.setPrecision(precision);
        boolean sets = "multilabel".equals(predictor.task());
        String field = textField != null ? textField : predictor.textField();
        if (predictor.textPair() != null) {
          return pairs(predictor, file, fromJsonl, field, predictor.textPair());
        }
        if (input != null && !fromJsonl && !lines && file != null && isCsvName(file)) {
          throw new BadInputException(
              List.of(
                  input
                      + ": a CSV file, but "
                      + textModel(field)
                      + "; give --lines to classify each line as a text"));
        }
        List<String> all = input == null ? texts : read(file, fromJsonl, field, !lines);
        for (int start = 0; start < all.size(); start += CHUNK) {
          StringBuilder b = new StringBuilder();
          for (Prediction p :
              predictor.predict(all.subList(start, Math.min(all.size(), start + CHUNK)))) {
            b.append(format == Format.tsv ? tsv(p, sets) : jsonl(p, sets)).append('\n');
          }
          out().print(b);
        }
        out().flush();
      }
      return OK;
    } catch (BadInputException e) {
      return badInput(
          "cannot predict",
          new BadInputException(e.problems().stream().map(Escapes::escape).toList()));
    } catch (RuntimeException e) {
      // Not the user's input: an engine or library failure, reported without its class name.
      err()
          .println(
              "finetune: predict failed: "
                  + (e.getMessage() == null
                      ? "an internal error"
                      : Escapes.escape(e.getMessage())));
      err().println("(set FINETUNE_DEBUG=1 for the stack trace)");
      if (System.getenv("FINETUNE_DEBUG") != null) {
        e.printStackTrace(err());
      }
      return FAILED;
    }
  }

  /**
   * Scores pairs of texts with a model of text pairs: JSON Lines only, each line with both texts;
   * plain texts (arguments or lines) are refused.
   */
  private int pairs(Predictor predictor, Path file, boolean fromJsonl, String field, String pair)
      throws BadInputException {
    String reads =
        runDir
            + " holds a model of text pairs (a cross-encoder), which reads JSON Lines with both"
            + " texts in the fields \""
            + field
            + "\" and \""
            + pair
            + "\"";
    if (input == null) {
      throw new BadInputException(
          List.of(reads + "; give them with --input FILE.jsonl (or --jsonl), not as arguments"));
    }
    if (!fromJsonl) {
      throw new BadInputException(
          List.of(
              (file == null ? "standard input" : input)
                  + ": read one text per line, but "
                  + reads
                  + "; give a .jsonl file, or --jsonl"));
    }
    String name = file == null ? "standard input" : input;
    PredictInput in =
        file == null
            ? PredictInput.read(System.in, name, true, field, pair)
            : PredictInput.read(file, true, field, pair);
    if (in.skippedEmptyLines() > 0) {
      err()
          .printf(
              Locale.ROOT,
              "finetune: skipped %d empty line%s of %s%n",
              in.skippedEmptyLines(),
              in.skippedEmptyLines() == 1 ? "" : "s",
              Escapes.escape(name));
    }
    boolean sets = "multilabel".equals(predictor.task());
    List<String> firsts = in.texts();
    List<String> seconds = in.pairs();
    for (int start = 0; start < firsts.size(); start += CHUNK) {
      int end = Math.min(firsts.size(), start + CHUNK);
      List<Prediction> out =
          predictor.predictPairs(firsts.subList(start, end), seconds.subList(start, end));
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < out.size(); i++) {
        Prediction p = out.get(i);
        String second = seconds.get(start + i);
        if (format == Format.tsv) {
          b.append(tsv(p, sets)).append('\t').append(Escapes.escape(second));
        } else {
          ObjectNode o = JSON.createObjectNode();
          o.put("text", p.text());
          o.put("text_pair", second);
          b.append(json(p, sets, o));
        }
        b.append('\n');
      }
      out().print(b);
    }
    out().flush();
    return OK;
  }

  /**
   * Classifies image files given as arguments, or listed one path per line in --input FILE or on
   * standard input (--input -).
   */
  private int images(Predictor predictor) throws BadInputException {
    if (jsonl || textField != null || lines) {
      throw new BadInputException(List.of("--jsonl, --text-field and --lines apply only to texts"));
    }
    if (!texts.isEmpty() && input != null) {
      throw new BadInputException(
          List.of("give the images as arguments or with --input, not both"));
    }
    List<String> names;
    if (!texts.isEmpty()) {
      names = texts;
    } else if (input == null) {
      throw new BadInputException(
          List.of(
              runDir
                  + " holds a model of images: give image files as arguments, or a file"
                  + " listing them one per line with --input FILE (--input - for standard"
                  + " input)"));
    } else {
      names = read(input.equals("-") ? null : inputPath(), false, null, false);
    }
    List<Path> files = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String n : names) {
      try {
        Path f = Path.of(n);
        if (!Files.isRegularFile(f)) {
          problems.add(n + ": no such image file");
        }
        files.add(f);
      } catch (InvalidPathException e) {
        problems.add(n + ": not a valid file name");
      }
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    for (int start = 0; start < files.size(); start += CHUNK) {
      List<Path> chunk = files.subList(start, Math.min(files.size(), start + CHUNK));
      List<Prediction> out = predictor.predictImages(chunk);
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < out.size(); i++) {
        String name = names.get(start + i);
        if (format == Format.tsv) {
          b.append(decision(out.get(i), false)).append('\t').append(Escapes.escape(name));
          b.append('\n');
        } else {
          ObjectNode o = JSON.createObjectNode();
          o.put("image", name);
          o.put("label", out.get(i).label());
          ObjectNode probs = o.putObject("probabilities");
          out.get(i).probabilities().forEach(probs::put);
          try {
            b.append(Escapes.escape(JSON.writeValueAsString(o))).append('\n');
          } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serializes", e);
          }
        }
      }
      out().print(b);
    }
    out().flush();
    return OK;
  }

  /** Predicts the rows of --input FILE.csv with a model of feature vectors. */
  private int rows(Predictor predictor) throws BadInputException {
    String problem = null;
    if (!texts.isEmpty()) {
      problem =
          runDir
              + " holds a model of feature vectors: give its rows with --input"
              + " FILE.csv, not texts as arguments";
    } else if (input == null) {
      problem =
          runDir
              + " holds a model of feature vectors: give its rows with --input"
              + " FILE.csv or --input - (CSV with a header row)";
    } else if (jsonl || textField != null || lines) {
      problem = "--jsonl, --text-field and --lines apply only to texts";
    }
    if (problem != null) {
      throw new BadInputException(List.of(problem));
    }
    boolean stdin = input.equals("-");
    Path file;
    if (stdin) { // CSV rows from standard input, kept in a temporary file the reader can reopen
      try {
        file = Files.createTempFile("finetune-rows-", ".csv");
        Files.copy(System.in, file, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new BadInputException(List.of("standard input: cannot be read: " + e.getMessage()));
      }
    } else {
      file = inputPath();
    }
    try {
      StringBuilder b = new StringBuilder();
      List<Prediction> predictions;
      boolean sets = "multilabel".equals(predictor.task());
      try {
        predictions = predictor.predictRows(file);
      } catch (BadInputException e) {
        if (!stdin) {
          throw e;
        }
        String temp = file.toString();
        throw new BadInputException(
            e.problems().stream().map(p -> p.replace(temp, "standard input")).toList());
      }
      for (Prediction p : predictions) {
        b.append(format == Format.tsv ? decision(p, sets) : json(p, sets)).append('\n');
      }
      out().print(b);
      out().flush();
    } finally {
      if (stdin) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          // a temporary file; the system cleans its temporary directory
        }
      }
    }
    return OK;
  }

  /**
   * A prediction's decision as TSV fields: the class and its probability; a multi-label model's
   * label set (comma-separated, empty for none) and every label's probability ({@code
   * name=0.1234,...}); or a regression's values.
   */
  private static String decision(Prediction p, boolean sets) {
    if (sets) {
      StringBuilder probs = new StringBuilder();
      p.probabilities()
          .forEach(
              (k, v) ->
                  probs
                      .append(probs.length() == 0 ? "" : ",")
                      .append(k)
                      .append('=')
                      .append(String.format(Locale.ROOT, "%.4f", v)));
      return Escapes.escape(p.label()) + "\t" + Escapes.escape(probs.toString());
    }
    if (p.label() != null) {
      return Escapes.escape(p.label())
          + "\t"
          + String.format(Locale.ROOT, "%.4f", p.probabilities().get(p.label()));
    }
    StringBuilder b = new StringBuilder();
    for (double v : p.values().values()) {
      b.append(b.length() == 0 ? "" : "\t").append(Float.toString((float) v));
    }
    return b.toString();
  }

  /** A prediction as a JSON line (after {@code first}'s fields, e.g. the text). */
  private static String json(Prediction p, boolean sets, ObjectNode o) {
    if (sets) {
      ArrayNode labels = o.putArray("labels");
      p.labels().forEach(labels::add);
      ObjectNode probs = o.putObject("probabilities");
      p.probabilities().forEach(probs::put);
    } else if (p.label() != null) {
      o.put("label", p.label());
      ObjectNode probs = o.putObject("probabilities");
      p.probabilities().forEach(probs::put);
    } else {
      p.values().forEach((k, v) -> o.put(k, (float) (double) v));
    }
    try {
      // Jackson escapes C0 controls; Escapes writes DEL and C1, which Jackson leaves raw, as
      // JSON's own backslash-u escapes (they occur only inside strings): still valid JSON.
      return Escapes.escape(JSON.writeValueAsString(o));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serializes", e);
    }
  }

  private static String json(Prediction p, boolean sets) {
    return json(p, sets, JSON.createObjectNode());
  }

  private Path inputPath() throws BadInputException {
    try {
      return Path.of(input);
    } catch (InvalidPathException e) {
      throw new BadInputException(List.of(input + ": not a valid file name"));
    }
  }

  /**
   * The texts of --input ({@code file}, or standard input when null); counts skipped lines. With
   * {@code noTable}, lines whose first is a CSV header naming {@code field} are refused.
   */
  private List<String> read(Path file, boolean fromJsonl, String field, boolean noTable)
      throws BadInputException {
    String name = file == null ? "standard input" : input;
    PredictInput in =
        file == null
            ? PredictInput.read(System.in, name, fromJsonl, field)
            : PredictInput.read(file, fromJsonl, field);
    String first = in.texts().get(0);
    if (noTable && !fromJsonl && isCsvHeader(first, field)) {
      throw new BadInputException(
          List.of(
              name
                  + ": the first line ("
                  + (first.length() > 60 ? first.substring(0, 57) + "..." : first)
                  + ") looks like the header of a CSV table with a column \""
                  + field
                  + "\", but "
                  + textModel(field)
                  + "; give --lines to classify each line as a text"));
    }
    int skipped = in.skippedEmptyLines();
    if (skipped > 0) {
      err()
          .printf(
              Locale.ROOT,
              "finetune: skipped %d empty line%s of %s%n",
              skipped,
              skipped == 1 ? "" : "s",
              file == null ? "standard input" : Escapes.escape(input));
    }
    return in.texts();
  }

  /** What a text classifier reads, for the messages that refuse a table. */
  private String textModel(String field) {
    return runDir
        + " holds a text classifier, which reads one text per line, or JSON Lines (--jsonl)"
        + " with the text in the field \""
        + field
        + "\"";
  }

  /** Whether a file is named like a CSV table ({@code .csv}, {@code .csv.gz}, any case). */
  static boolean isCsvName(Path file) {
    String n = file.getFileName() == null ? "" : file.getFileName().toString();
    n = n.toLowerCase(Locale.ROOT);
    return n.endsWith(".csv") || n.endsWith(".csv.gz");
  }

  /**
   * Whether a line is the header of a CSV table with a column named {@code field}: at least two
   * comma-separated cells (quoted or not), one of them the field's name (any case).
   */
  static boolean isCsvHeader(String line, String field) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        cells.add(cell.toString().strip());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    cells.add(cell.toString().strip());
    return cells.size() >= 2 && cells.stream().anyMatch(x -> x.equalsIgnoreCase(field));
  }

  private void usage(boolean fromJsonl) throws BadInputException {
    String problem = null;
    if (input != null && !texts.isEmpty()) {
      problem = "give the texts as arguments or with --input FILE, not both";
    } else if (input == null && texts.isEmpty()) {
      problem = "no texts to classify: give them as arguments or with --input FILE";
    } else if (input == null && (jsonl || textField != null)) {
      problem = "--jsonl and --text-field apply only to --input FILE";
    } else if (input == null && lines) {
      problem = "--lines applies only to --input FILE";
    } else if (lines && jsonl) {
      problem = "--lines and --jsonl contradict each other: give one";
    } else if (textField != null && !fromJsonl) {
      problem = "--text-field applies only to JSON Lines input (--jsonl, or a .jsonl file)";
    }
    if (problem != null) {
      throw new BadInputException(List.of(problem));
    }
  }

  private static String tsv(Prediction p, boolean sets) {
    return decision(p, sets) + "\t" + Escapes.escape(p.text());
  }

  private static String jsonl(Prediction p, boolean sets) {
    ObjectNode o = JSON.createObjectNode();
    o.put("text", p.text());
    return json(p, sets, o);
  }
}
