package io.github.finetune4j.model.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Turns sentences into the int64 id tensors a BERT encoder reads, using a Hugging Face {@code
 * tokenizer.json} loaded without network access.
 *
 * <p>Each text gets the special tokens ({@code [CLS] ... [SEP]}), is truncated to {@link
 * #maxLength()} tokens in all, and the batch is padded with id 0 and mask 0 to its longest member.
 * The tokenizer file is kept in memory so that {@link #save(Path)} can write it into an exported
 * model directory, from which {@link #fromDirectory(Path, int)} reloads it.
 */
public final class TextTokenizer implements AutoCloseable {

  /** File name of the tokenizer inside a model directory. */
  public static final String FILE_NAME = "tokenizer.json";

  /** Classpath resource of the all-MiniLM-L6-v2 tokenizer. */
  public static final String MINILM_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  private final byte[] json;
  private final int maxLength;
  private final HuggingFaceTokenizer tokenizer;

  private TextTokenizer(byte[] json, int maxLength) throws IOException {
    if (maxLength < 2) {
      throw new IllegalArgumentException("maxLength must be at least 2, got " + maxLength);
    }
    this.json = json;
    this.maxLength = maxLength;
    Map<String, String> options =
        Map.of(
            "addSpecialTokens", "true",
            "truncation", "true",
            "padding", "true",
            "maxLength", Integer.toString(maxLength),
            "modelMaxLength", Integer.toString(maxLength));
    this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
  }

  /**
   * Loads the all-MiniLM-L6-v2 tokenizer bundled on the classpath.
   *
   * @param maxLength the most tokens per text, special tokens included
   * @return the tokenizer
   * @throws IOException if the resource is missing or invalid
   */
  public static TextTokenizer miniLm(int maxLength) throws IOException {
    return fromResource(MINILM_RESOURCE, maxLength);
  }

  /**
   * Loads a {@code tokenizer.json} from the classpath.
   *
   * @param resource the resource name
   * @param maxLength the most tokens per text, special tokens included
   * @return the tokenizer
   * @throws IOException if the resource is missing or invalid
   */
  public static TextTokenizer fromResource(String resource, int maxLength) throws IOException {
    try (InputStream in = TextTokenizer.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("Tokenizer resource " + resource + " not found on the classpath");
      }
      return new TextTokenizer(in.readAllBytes(), maxLength);
    }
  }

  /**
   * Loads a {@code tokenizer.json} file.
   *
   * @param file the file
   * @param maxLength the most tokens per text, special tokens included
   * @return the tokenizer
   * @throws IOException if the file cannot be read or is invalid
   */
  public static TextTokenizer fromFile(Path file, int maxLength) throws IOException {
    return new TextTokenizer(Files.readAllBytes(file), maxLength);
  }

  /**
   * Loads {@value #FILE_NAME} from a model directory written by {@link #save(Path)}.
   *
   * @param dir the model directory
   * @param maxLength the most tokens per text, special tokens included
   * @return the tokenizer
   * @throws IOException if the file cannot be read or is invalid
   */
  public static TextTokenizer fromDirectory(Path dir, int maxLength) throws IOException {
    return fromFile(dir.resolve(FILE_NAME), maxLength);
  }

  /**
   * Writes the tokenizer as {@value #FILE_NAME} into a directory, creating the directory.
   *
   * @param dir the target directory
   * @return the written file
   * @throws IOException if the file cannot be written
   */
  public Path save(Path dir) throws IOException {
    Files.createDirectories(dir);
    return Files.write(dir.resolve(FILE_NAME), json);
  }

  /**
   * Returns the truncation length.
   *
   * @return the most tokens per text, special tokens included
   */
  public int maxLength() {
    return maxLength;
  }

  /**
   * Tokenizes one text without padding.
   *
   * @param text the text
   * @return the ids, with special tokens, truncated to {@link #maxLength()}
   */
  public long[] ids(String text) {
    return tokenizer.encode(text).getIds();
  }

  /**
   * Tokenizes a pair of texts as one input, without padding, as Hugging Face tokenizes a pair for a
   * BERT cross-encoder: the tokenizer's pair template ({@code [CLS] text [SEP] pair [SEP]}) with
   * segment ids 0 for {@code [CLS]}, the first text and its {@code [SEP]}, and 1 for the second
   * text and the last {@code [SEP]}; truncated longest first (a token at a time from the longer
   * side) to {@link #maxLength()} tokens in all.
   *
   * @param text the first text (a query)
   * @param pair the second text (a passage)
   * @return the ids and their segment ids, of the same length
   */
  public Tokens pair(String text, String pair) {
    Encoding e = tokenizer.encode(text, pair);
    return new Tokens(e.getIds(), e.getTypeIds());
  }

  /**
   * One tokenized input.
   *
   * @param ids word-piece ids, special tokens included
   * @param typeIds segment id of each token (0 for a first text, 1 for a pair's second)
   */
  public record Tokens(long[] ids, long[] typeIds) {}

  /**
   * Tokenizes a batch, truncating each text and padding all to the longest.
   *
   * @param texts the texts, at least one
   * @param manager the manager that will own the three arrays
   * @return ids, mask and token types, each {@code [texts.size(), longest]} int64
   */
  public Batch encode(List<String> texts, NDManager manager) {
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("Cannot encode an empty batch");
    }
    Encoding[] encodings = tokenizer.batchEncode(texts);
    int width = 0;
    for (Encoding e : encodings) {
      width = Math.max(width, e.getIds().length);
    }
    int n = encodings.length;
    long[] ids = new long[n * width];
    long[] mask = new long[n * width];
    long[] types = new long[n * width];
    for (int i = 0; i < n; i++) {
      // The library already pads to the longest; copying keeps this correct even if it did not.
      copy(encodings[i].getIds(), ids, i * width, width);
      copy(encodings[i].getAttentionMask(), mask, i * width, width);
      copy(encodings[i].getTypeIds(), types, i * width, width);
    }
    Shape shape = new Shape(n, width);
    return new Batch(
        manager.create(ids, shape), manager.create(mask, shape), manager.create(types, shape));
  }

  private static void copy(long[] src, long[] dst, int offset, int width) {
    System.arraycopy(src, 0, dst, offset, Math.min(src.length, width));
  }

  @Override
  public void close() {
    tokenizer.close();
  }

  /**
   * Reads the tokenizer file as text (for provenance hashing or inspection).
   *
   * @return the JSON text
   */
  public String json() {
    return new String(json, StandardCharsets.UTF_8);
  }

  /**
   * The three encoder inputs of one tokenized batch, all {@code [B, T]} int64.
   *
   * @param inputIds word-piece ids, 0 at padding
   * @param attentionMask 1 for tokens, 0 for padding
   * @param tokenTypeIds segment ids (all 0 for single texts)
   */
  public record Batch(NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds)
      implements AutoCloseable {

    /**
     * Returns the arrays in the order the encoder block reads them.
     *
     * @return {@code (inputIds, attentionMask, tokenTypeIds)}
     */
    public NDList toNDList() {
      return new NDList(inputIds, attentionMask, tokenTypeIds);
    }

    @Override
    public void close() {
      inputIds.close();
      attentionMask.close();
      tokenTypeIds.close();
    }
  }
}
