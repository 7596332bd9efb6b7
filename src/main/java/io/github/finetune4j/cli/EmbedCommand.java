package io.github.finetune4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.PredictInput;
import io.github.finetune4j.pipeline.Predictor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code finetune embed}: a text model's sentence embeddings. */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = {
      "Print the sentence embeddings of texts with a fine-tuned text model: its pooled token"
          + " states, the vectors its head reads (what model/onnx/encoder.onnx gives as"
          + " sentence_embedding), L2-normalized unless --no-normalize.",
      "jsonl (default): one {\"text\", \"embedding\"} object per line, in input order. npy: one"
          + " float32 [texts, dim] array written to --out (NumPy's format)."
    })
final class EmbedCommand extends CliCommand {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Output formats. */
  enum Format {
    jsonl,
    npy
  }

  @Parameters(
      index = "0",
      paramLabel = "RUN_DIR",
      description = "A run directory written by `finetune run` (or its model/ directory).")
  Path runDir;

  @Parameters(index = "1..*", paramLabel = "TEXT", description = "Texts to embed.")
  List<String> texts = new ArrayList<>();

  @Option(
      names = "--input",
      paramLabel = "FILE",
      description = "Read texts from FILE, one per line (- for standard input).")
  String input;

  @Option(names = "--jsonl", description = "The input is JSON Lines (see --text-field).")
  boolean jsonl;

  @Option(
      names = "--text-field",
      paramLabel = "FIELD",
      description = "The JSON field that holds the text (default: the model's).")
  String textField;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "jsonl (default) or npy (needs --out).")
  Format format = Format.jsonl;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Write to FILE (new) instead of stdout.")
  Path out;

  @Option(names = "--no-normalize", description = "Keep each vector's length.")
  boolean noNormalize;

  @Override
  public Integer call() throws Exception {
    try {
      if (!texts.isEmpty() && input != null) {
        throw new BadInputException(List.of("give texts as arguments or with --input, not both"));
      }
      if (texts.isEmpty() && input == null) {
        throw new BadInputException(
            List.of("no texts: give them as arguments, or with --input FILE (- for stdin)"));
      }
      if (format == Format.npy && out == null) {
        throw new BadInputException(
            List.of("--format npy writes binary data: give the file with --out FILE"));
      }
      if (out != null && Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new BadInputException(List.of(out + ": exists; --out writes a new file"));
      }
      Path parent = out == null ? null : out.toAbsolutePath().getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        throw new BadInputException(
            List.of(
                out + ": its directory " + parent + " does not exist; --out writes a new file"));
      }
      try (Predictor predictor = Predictor.open(runDir)) {
        List<String> in = texts;
        if (input != null) {
          String field = textField != null ? textField : predictor.textField();
          in =
              input.equals("-")
                  ? PredictInput.read(System.in, "standard input", jsonl, field).texts()
                  : PredictInput.read(Path.of(input), jsonl, field).texts();
        }
        float[][] vectors = predictor.embed(in, !noNormalize && predictor.normalizesEmbeddings());
        if (out == null) {
          writeJsonl(in, vectors, out());
        } else {
          // a temporary file of a unique name: never a file of the user's (such as FILE.partial)
          Path temp = LrFindCommand.tempFileNextTo(out);
          try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(temp))) {
            if (format == Format.npy) {
              writeNpy(vectors, os);
            } else {
              writeJsonl(in, vectors, os);
            }
          } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
          }
          Files.move(temp, out, StandardCopyOption.ATOMIC_MOVE);
          err().printf(Locale.ROOT, "Wrote %d embeddings to %s%n", vectors.length, out);
        }
      }
      return OK;
    } catch (BadInputException e) {
      return badInput("cannot embed", e);
    }
  }

  private static void writeJsonl(List<String> texts, float[][] vectors, OutputStream os)
      throws IOException {
    for (int i = 0; i < vectors.length; i++) {
      ObjectNode o = JSON.createObjectNode();
      o.put("text", texts.get(i));
      ArrayNode e = o.putArray("embedding");
      for (float v : vectors[i]) {
        e.add(v);
      }
      // Jackson escapes C0 controls; Escapes writes DEL, C1, the line separators and the
      // bidirectional controls, which Jackson leaves raw, as JSON's own backslash-u escapes (they
      // occur only inside strings): the same JSON, safe on a terminal
      os.write(
          (Escapes.escape(JSON.writeValueAsString(o)) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    os.flush();
  }

  /** NumPy's {@code .npy} format, version 1.0: little-endian float32, C order. */
  static void writeNpy(float[][] vectors, OutputStream os) throws IOException {
    int dim = vectors.length == 0 ? 0 : vectors[0].length;
    String dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': ("
            + vectors.length
            + ", "
            + dim
            + "), }";
    int unpadded = 10 + dict.length() + 1; // magic, version, header length, dict, newline
    int pad = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    os.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    int len = header.length();
    os.write(len & 0xff);
    os.write((len >>> 8) & 0xff);
    os.write(header.getBytes(StandardCharsets.US_ASCII));
    ByteBuffer row = ByteBuffer.allocate(4 * dim).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] v : vectors) {
      row.clear();
      for (float x : v) {
        row.putFloat(x);
      }
      os.write(row.array());
    }
  }
}
