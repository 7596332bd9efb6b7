package io.github.finetune4j.pipeline;

import static io.github.finetune4j.pipeline.Exporter.MODEL_CONFIG;
import static io.github.finetune4j.pipeline.Exporter.MODEL_NAME;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The text family's part of {@link Predictor}: an exported text encoder with its tokenizer, loaded
 * and checked against its metadata (the parameters have exactly the shapes it describes, e.g. a
 * head with one output per class), that runs texts in batches of {@value #BATCH_SIZE} grouped by
 * length, padded to their longest member with an attention mask, so the results are those of each
 * text alone (to float rounding) in input order. Not thread-safe.
 */
final class TextReader implements AutoCloseable {

  /** Texts per forward pass. */
  static final int BATCH_SIZE = 64;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ModelMetadata metadata;
  private final Model model;
  private final TextClassifierBlock block;
  private final TextTokenizer tokenizer;
  private final ParameterStore ps;
  private final Path tokenizerFile;

  private TextReader(
      ModelMetadata metadata,
      Model model,
      TextClassifierBlock block,
      TextTokenizer tokenizer,
      Path tokenizerFile) {
    this.metadata = metadata;
    this.model = model;
    this.block = block;
    this.tokenizer = tokenizer;
    this.tokenizerFile = tokenizerFile;
    this.ps = new ParameterStore(model.getNDManager(), false);
  }

  /**
   * The loaded classifier, its parameters as exported (for writing other formats from an export).
   *
   * @return the block
   */
  TextClassifierBlock block() {
    return block;
  }

  /**
   * Loads a text model whose directory the {@link Predictor} has checked.
   *
   * @param dir the model directory
   * @param metaFile its metadata
   * @return the loaded model; close it when done
   * @throws BadInputException when the files are inconsistent
   */
  static TextReader open(Path dir, Path metaFile) throws BadInputException {
    ModelMetadata meta = ModelMetadata.read(metaFile);
    Path params = paramsFile(dir);
    Path tokFile = dir.resolve(TextTokenizer.FILE_NAME);
    TextTokenizer tokenizer = tokenizer(tokFile, meta, metaFile);
    Model model = Model.newInstance("finetune4j", Device.cpu());
    try {
      TextClassifierBlock block =
          new TextClassifierBlock(
              meta.bert(), meta.classes().size(), meta.pooling(), meta.dropout());
      model.setBlock(block);
      load(model, block, dir, params, metaFile);
      return new TextReader(meta, model, block, tokenizer, tokFile);
    } catch (BadInputException | RuntimeException e) {
      model.close();
      tokenizer.close();
      throw e;
    }
  }

  /**
   * Whether the model's sentence embeddings are L2-normalized (an embedding model's {@code
   * normalize}; true for others).
   *
   * @return the choice
   */
  boolean normalizes() {
    return metadata.normalize();
  }

  /**
   * The class names, in the order of the head's outputs.
   *
   * @return the classes
   */
  List<String> classes() {
    return metadata.classes();
  }

  /**
   * The task the model was trained for: {@code classification} or {@code multilabel}.
   *
   * @return the task
   */
  String task() {
    return metadata.task();
  }

  /**
   * The JSONL field that holds the text: {@code text_field} of the metadata, else {@code text}.
   *
   * @return the field name
   */
  String textField() {
    return metadata.textField();
  }

  /**
   * The JSONL field of the second text of a model of text pairs ({@code text_pair} of the
   * metadata).
   *
   * @return the field name, or null for a model of single texts
   */
  String textPair() {
    return metadata.textPair();
  }

  /**
   * Sets the encoder's matrix products: {@code fp32} (the default), {@code bf16}, or {@code auto}
   * (bf16 where the CPU has bfloat16 units).
   *
   * @param precision {@code fp32}, {@code bf16} or {@code auto}
   * @throws IllegalArgumentException for another value
   */
  void setPrecision(String precision) {
    boolean bf16 =
        switch (precision) {
          case "fp32" -> false;
          case "bf16" -> true;
          case "auto" -> Precision.cpuHasBf16();
          default -> throw new IllegalArgumentException("precision: fp32, bf16 or auto");
        };
    if (bf16 != block.bf16()) {
      block.setBf16(bf16, model.getNDManager());
    }
  }

  /**
   * Classifies texts, in batches of {@value #BATCH_SIZE} grouped by length.
   *
   * @param texts the texts (any number, empty ones too)
   * @return per text, in input order: label and per-class probabilities
   * @throws BadInputException when the tokenizer gives an id outside the encoder's vocabulary
   */
  List<Prediction> predict(List<String> texts) throws BadInputException {
    return predict(texts, null);
  }

  /**
   * Scores pairs of texts with a model trained on pairs ({@code text_pair}): each pair tokenized as
   * in training ({@link TextTokenizer#pair}), in batches of {@value #BATCH_SIZE} grouped by length.
   *
   * @param texts the first texts (queries)
   * @param pairs the second texts (passages), one per first text
   * @return per pair, in input order; {@link Prediction#text()} is the first text
   * @throws BadInputException when the tokenizer gives an id outside the encoder's vocabulary
   */
  List<Prediction> predictPairs(List<String> texts, List<String> pairs) throws BadInputException {
    if (texts.size() != pairs.size()) {
      throw new IllegalArgumentException(
          texts.size() + " first texts but " + pairs.size() + " second texts");
    }
    return predict(texts, pairs);
  }

  private List<Prediction> predict(List<String> texts, List<String> pairs)
      throws BadInputException {
    List<String> classes = metadata.classes();
    TaskKind kind = TaskKind.ofExport(metadata.task(), metadata.threshold(), metadata.thresholds());
    Prediction[] out = new Prediction[texts.size()];
    forEachBatch(
        texts,
        pairs,
        block.segments().size(),
        (rows, outputs) -> {
          float[] p = kind.activate(outputs).toFloatArray();
          requireFinite(p);
          for (int r = 0; r < rows.length; r++) {
            out[rows[r]] = kind.decode(texts.get(rows[r]), p, r, classes);
          }
        });
    return Arrays.asList(out);
  }

  /**
   * The model's sentence embeddings: its pooled token states (the vectors its head reads, as the
   * ONNX export's {@code sentence_embedding}), in batches of {@value #BATCH_SIZE}.
   *
   * @param texts the texts
   * @param normalize whether each vector is scaled to length 1
   * @return per text, in input order, one vector of the encoder's hidden size
   * @throws BadInputException when the tokenizer gives an id outside the encoder's vocabulary
   */
  float[][] embed(List<String> texts, boolean normalize) throws BadInputException {
    int h = metadata.bert().hiddenSize();
    float[][] out = new float[texts.size()][];
    forEachBatch(
        texts,
        null,
        poolEnd(), // up to the pooling, not the head (an embedding model has none)
        (rows, outputs) -> {
          NDArray v = outputs;
          if (normalize) {
            v = v.div(v.norm(new int[] {1}, true).clip(1e-12f, Float.MAX_VALUE));
          }
          float[] flat = v.toFloatArray();
          requireFinite(flat);
          for (int r = 0; r < rows.length; r++) {
            out[rows[r]] = Arrays.copyOfRange(flat, r * h, (r + 1) * h);
          }
        });
    return out;
  }

  /** The number of the block's segments up to and including the pooling. */
  private int poolEnd() {
    List<io.github.finetune4j.model.Segmented.Segment> segments = block.segments();
    for (int i = 0; i < segments.size(); i++) {
      if ("pool".equals(segments.get(i).name())) {
        return i + 1;
      }
    }
    throw new IllegalStateException("the text block has no pooling segment");
  }

  /** What a batch's outputs become; {@code rows} are the batch rows' indices in the input. */
  private interface BatchOutputs {
    void accept(int[] rows, NDArray outputs) throws BadInputException;
  }

  /**
   * Tokenizes the texts (with {@code pairs}, each with its second text, and the segment ids),
   * groups them by length into batches and runs the block's segments {@code [0, segments)} on each.
   */
  private void forEachBatch(List<String> texts, List<String> pairs, int segments, BatchOutputs sink)
      throws BadInputException {
    int n = texts.size();
    long[][] ids = new long[n][];
    long[][] types = pairs == null ? null : new long[n][];
    int vocab = metadata.bert().vocabSize();
    for (int i = 0; i < n; i++) {
      if (pairs == null) {
        ids[i] = tokenizer.ids(texts.get(i));
      } else {
        TextTokenizer.Tokens t = tokenizer.pair(texts.get(i), pairs.get(i));
        ids[i] = t.ids();
        types[i] = t.typeIds();
      }
      for (long id : ids[i]) {
        if (id < 0 || id >= vocab) {
          throw new BadInputException(List.of(vocabProblem(id)));
        }
      }
    }
    Integer[] order = new Integer[n];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingInt(i -> ids[i].length));
    for (int start = 0; start < n; start += BATCH_SIZE) {
      int end = Math.min(n, start + BATCH_SIZE);
      int b = end - start;
      int width = ids[order[end - 1]].length;
      long[] flat = new long[b * width];
      long[] mask = new long[b * width];
      long[] segmentIds = types == null ? null : new long[b * width];
      int[] rows = new int[b];
      for (int r = 0; r < b; r++) {
        rows[r] = order[start + r];
        long[] row = ids[rows[r]];
        System.arraycopy(row, 0, flat, r * width, row.length);
        Arrays.fill(mask, r * width, r * width + row.length, 1L);
        if (segmentIds != null) {
          System.arraycopy(types[rows[r]], 0, segmentIds, r * width, row.length);
        }
      }
      try (NDScope scope = new NDScope();
          NDManager sm = model.getNDManager().newSubManager()) {
        NDList in =
            new NDList(sm.create(flat, new Shape(b, width)), sm.create(mask, new Shape(b, width)));
        if (segmentIds != null) {
          in.add(sm.create(segmentIds, new Shape(b, width)));
        }
        sink.accept(rows, block.forwardSegments(ps, in, 0, segments, false).head());
      }
    }
  }

  private void requireFinite(float[] values) throws BadInputException {
    for (float v : values) {
      if (!Float.isFinite(v)) {
        throw new BadInputException(
            List.of(
                tokenizerFile.getParent()
                    + ": the model's outputs are not finite (its"
                    + " weights hold NaN or infinity); it cannot classify anything"));
      }
    }
  }

  /** Frees the model and the tokenizer. */
  @Override
  public void close() {
    tokenizer.close();
    model.close();
  }

  private String vocabProblem(long id) {
    return tokenizerFile
        + ": gives token id "
        + id
        + ", outside the encoder's vocabulary of "
        + metadata.bert().vocabSize()
        + " ids (bert.vocabSize in "
        + MODEL_CONFIG
        + ")";
  }

  /** The one {@code model-NNNN.params} file (the manifest has vouched for every file there). */
  private static Path paramsFile(Path dir) throws BadInputException {
    List<Path> found;
    try (Stream<Path> s = Files.list(dir)) {
      found =
          s.filter(p -> p.getFileName().toString().matches(MODEL_NAME + "-\\d{4}\\.params"))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new BadInputException(List.of(Problems.unreadable(dir, e)));
    }
    if (found.size() != 1) {
      throw new BadInputException(
          List.of(
              dir
                  + ": expected one parameter file "
                  + MODEL_NAME
                  + "-0000.params, found "
                  + found.size()));
    }
    return found.get(0);
  }

  private static TextTokenizer tokenizer(Path file, ModelMetadata meta, Path metaFile)
      throws BadInputException {
    TextTokenizer tokenizer;
    try {
      tokenizer = TextTokenizer.fromDirectory(file.getParent(), meta.maxLength());
    } catch (IOException e) {
      throw new BadInputException(List.of(Problems.unreadable(file, e)));
    } catch (RuntimeException e) {
      throw new BadInputException(List.of(file + ": not a usable Hugging Face tokenizer file"));
    }
    // The ids the tokenizer can produce must all be rows of the embedding table.
    long maxId = -1;
    try {
      JsonNode t = JSON.readTree(tokenizer.json());
      for (JsonNode id : t.path("model").path("vocab")) {
        maxId = Math.max(maxId, id.asLong(-1));
      }
      for (JsonNode added : t.path("added_tokens")) {
        maxId = Math.max(maxId, added.path("id").asLong(-1));
      }
    } catch (JsonProcessingException e) {
      tokenizer.close();
      throw new BadInputException(List.of(file + ": not valid JSON"));
    }
    if (maxId >= meta.bert().vocabSize()) {
      tokenizer.close();
      throw new BadInputException(
          List.of(
              file
                  + ": has token ids up to "
                  + maxId
                  + ", but "
                  + metaFile
                  + " gives the encoder a vocabulary of "
                  + meta.bert().vocabSize()
                  + " ids"));
    }
    return tokenizer;
  }

  /**
   * Loads the parameters and checks that they are exactly those of the block the metadata
   * describes: every shape and type, and nothing left over in the file.
   */
  private static void load(
      Model model, TextClassifierBlock block, Path dir, Path params, Path metaFile)
      throws BadInputException {
    // The shapes the metadata implies, from a twin block initialized only to be measured (the
    // loaded block itself must stay uninitialized: DJL re-saves the input shapes it was set up
    // for).
    Map<String, Shape> expected = new LinkedHashMap<>();
    TextClassifierBlock twin =
        new TextClassifierBlock(block.config(), block.numClasses(), "mean", 0);
    try (NDManager probe = model.getNDManager().newSubManager()) {
      twin.initialize(probe, DataType.FLOAT32, new Shape(1, 2), new Shape(1, 2));
      ParameterNames.of(twin).forEach((name, p) -> expected.put(name, p.getArray().getShape()));
    }
    BadInputException foreign =
        new BadInputException(
            List.of(
                params
                    + ": not a parameter file of the model that "
                    + metaFile
                    + " describes (it is damaged, or the two files do not belong together)"));
    try {
      model.load(dir, MODEL_NAME);
    } catch (EOFException e) {
      throw new BadInputException(List.of(params + ": ends early (the file is truncated)"));
    } catch (Exception e) {
      // DJL reports a foreign or damaged file in many ways (its own exceptions, engine errors).
      throw foreign;
    }
    // A file that does not start like a DJL parameter file is skipped without a word: the
    // parameters are then left without values.
    for (Parameter p : ParameterNames.of(block).values()) {
      if (!p.isInitialized()) {
        throw foreign;
      }
    }
    List<String> problems = new ArrayList<>();
    boolean headReported = false;
    for (Map.Entry<String, Parameter> p : ParameterNames.of(block).entrySet()) {
      String name = p.getKey();
      Shape want = expected.get(name);
      NDArray array = p.getValue().getArray();
      Shape got = array.getShape();
      if (!got.equals(want)) {
        if (name.equals("head.weight")
            && got.dimension() == 2
            && want.dimension() == 2
            && got.get(1) == want.get(1)) {
          headReported = true;
          problems.add(
              metaFile
                  + ": lists "
                  + want.get(0)
                  + " classes but the head in "
                  + params.getFileName()
                  + " has "
                  + got.get(0)
                  + " outputs");
        } else if (!(headReported && name.equals("head.bias"))) {
          problems.add(
              params
                  + ": parameter "
                  + name
                  + " has shape "
                  + got
                  + " but "
                  + metaFile
                  + " describes "
                  + want
                  + " (the metadata does not match the parameters)");
        }
      } else if (array.getDataType() != DataType.FLOAT32) {
        problems.add(
            params + ": parameter " + name + " is " + array.getDataType() + ", expected float32");
      }
    }
    if (problems.size() > 3) {
      int more = problems.size() - 3;
      problems = new ArrayList<>(problems.subList(0, 3));
      problems.add(
          params
              + ": "
              + more
              + " more parameter"
              + (more == 1 ? "" : "s")
              + " differ from what "
              + metaFile
              + " describes");
    }
    if (problems.isEmpty() && !endsWithBlock(params, block)) {
      problems.add(
          params
              + ": holds more than the parameters "
              + metaFile
              + " describes (the metadata does not match the parameters)");
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
  }

  /**
   * Whether the file ends with exactly the bytes the loaded block serializes to: a file with more
   * (another layer, trailing data) loads without complaint in DJL, which stops reading early.
   */
  private static boolean endsWithBlock(Path params, TextClassifierBlock block)
      throws BadInputException {
    CrcStream enc = new CrcStream();
    try {
      try (DataOutputStream dos = new DataOutputStream(enc)) {
        block.saveParameters(dos);
      }
      long size = Files.size(params);
      if (enc.count > size) {
        return false;
      }
      CRC32C tail = new CRC32C();
      try (FileChannel ch = FileChannel.open(params, StandardOpenOption.READ)) {
        ch.position(size - enc.count);
        InputStream in = Channels.newInputStream(ch);
        byte[] buf = new byte[1 << 16];
        for (int r; (r = in.read(buf)) > 0; ) {
          tail.update(buf, 0, r);
        }
      }
      return tail.getValue() == enc.crc.getValue();
    } catch (IOException e) {
      throw new BadInputException(List.of(Problems.unreadable(params, e)));
    }
  }

  /** Counts and checksums what is written to it. */
  private static final class CrcStream extends OutputStream {
    final CRC32C crc = new CRC32C();
    long count;

    @Override
    public void write(int b) {
      crc.update(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      crc.update(b, off, len);
      count += len;
    }
  }
}
