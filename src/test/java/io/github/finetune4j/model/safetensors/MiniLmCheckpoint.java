package io.github.finetune4j.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.bert.WeightTensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes the bundled all-MiniLM-L6-v2 weights as a Hugging Face checkpoint directory with the
 * independent Python writer ({@code src/test/python/write_safetensors.py}, needs {@code
 * /usr/bin/python3}): {@code config.json}, {@code model.safetensors} (names with the {@code bert.}
 * prefix, as {@code save_pretrained} writes them), {@code tokenizer.json}.
 */
public final class MiniLmCheckpoint {

  /** The interpreter the writer runs with. */
  public static final Path PYTHON = Path.of("/usr/bin/python3");

  static final Path SCRIPT = Path.of("src/test/python/write_safetensors.py");

  static final String MINILM_CONFIG =
      """
      {
        "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "gradient_checkpointing": false,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 384,
        "initializer_range": 0.02,
        "intermediate_size": 1536,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512,
        "model_type": "bert",
        "num_attention_heads": 12,
        "num_hidden_layers": 6,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "transformers_version": "4.8.2",
        "type_vocab_size": 2,
        "use_cache": true,
        "vocab_size": 30522
      }
      """;

  private MiniLmCheckpoint() {}

  /**
   * Writes the checkpoint directory.
   *
   * @param work a scratch directory (the checkpoint is {@code work/minilm-safetensors})
   * @param dtype {@code F32}, {@code F16} or {@code BF16}
   * @return the checkpoint directory
   * @throws IOException when writing fails
   */
  public static Path write(Path work, String dtype) throws IOException {
    Map<String, WeightTensor> weights = MiniLmImporter.weights(MiniLmImporter.readBundledGraph());
    List<Object> tensors = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, WeightTensor> e : weights.entrySet()) {
      Path bin = writeFloats(work.resolve("w" + i++ + ".bin"), e.getValue().data());
      tensors.add(
          Map.of(
              "name", "bert." + e.getKey(), "shape", e.getValue().shape(), "file", bin.toString()));
    }
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("metadata", Map.of("format", "pt"));
    index.put("tensors", tensors);
    Path indexFile = work.resolve("index.json");
    new ObjectMapper().writeValue(indexFile.toFile(), index);
    Path checkpoint = Files.createDirectories(work.resolve("minilm-safetensors"));
    runWriter(indexFile, checkpoint.resolve("model.safetensors"), dtype, false);
    Files.writeString(checkpoint.resolve("config.json"), MINILM_CONFIG);
    try (InputStream in =
        MiniLmCheckpoint.class
            .getClassLoader()
            .getResourceAsStream(MiniLmImporter.TOKENIZER_RESOURCE)) {
      Files.write(checkpoint.resolve("tokenizer.json"), in.readAllBytes());
    }
    for (int k = 0; k < i; k++) {
      Files.delete(work.resolve("w" + k + ".bin"));
    }
    return checkpoint;
  }

  static Path writeFloats(Path file, FloatBuffer values) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
    return file;
  }

  static void runWriter(Path index, Path out, String dtype, boolean pure) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                PYTHON.toString(),
                SCRIPT.toString(),
                index.toString(),
                out.toString(),
                "--dtype",
                dtype));
    if (pure) {
      command.add("--pure");
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("write_safetensors.py did not finish in 120 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + output);
  }
}
