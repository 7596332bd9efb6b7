package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.bert.BertConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Predictor} classifies in length-sorted padded batches exactly as one text at a time, and
 * refuses metadata that does not describe the parameters.
 */
class PredictorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** Random texts of 0 to 80 words (the longest are truncated to max_length tokens). */
  static List<String> texts(int n, long seed) {
    String[] words = {
      "free",
      "offer",
      "meeting",
      "tomorrow",
      "click",
      "here",
      "invoice",
      "attached",
      "win",
      "money",
      "hello",
      "team",
      "the",
      "report",
      "is",
      "ready",
      "urgent",
      "account",
      "verify",
      "lunch",
      "at",
      "noon",
      "cheap",
      "pills",
      "now",
      "!!!",
      "re:",
      "project",
      "update",
      "42"
    };
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = r.nextInt(10) == 0 ? r.nextInt(81) : r.nextInt(12);
      StringBuilder b = new StringBuilder();
      for (int w = 0; w < len; w++) {
        b.append(w == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
      }
      out.add(b.toString());
    }
    return out;
  }

  @Test
  void batchedPredictionsEqualOneTextAtATime() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"), List.of("neg", "neu", "pos"), 11);
    List<String> texts = texts(2000, 3);
    try (Predictor p = Predictor.open(run)) {
      List<Prediction> batched = p.predict(texts);
      assertEquals(texts.size(), batched.size());
      Set<String> labels = new HashSet<>();
      for (int i = 0; i < texts.size(); i++) {
        assertEquals(texts.get(i), batched.get(i).text(), "input order at " + i);
        labels.add(batched.get(i).label());
      }
      // The model is not constant, so equal labels below are not a coincidence.
      assertTrue(labels.size() >= 2, "labels " + labels);
      for (int i = 0; i < texts.size(); i += 13) {
        Prediction alone = p.predict(List.of(texts.get(i))).get(0);
        Prediction inBatch = batched.get(i);
        assertEquals(alone.label(), inBatch.label(), "label of text " + i);
        for (String c : p.classes()) {
          assertEquals(
              alone.probabilities().get(c),
              inBatch.probabilities().get(c),
              1e-5,
              "p(" + c + ") of text " + i + ": " + texts.get(i));
        }
      }
    }
    // The static path (FineTune.predict) gives the same results.
    List<Prediction> viaApi = FineTune.predict(run, texts.subList(0, 100));
    try (Predictor p = Predictor.open(run)) {
      List<Prediction> direct = p.predict(texts.subList(0, 100));
      for (int i = 0; i < 100; i++) {
        assertEquals(direct.get(i).label(), viaApi.get(i).label());
      }
    }
  }

  @Test
  void aModelWhoseOutputsAreNotFiniteIsRefusedNotPrinted() throws Exception {
    Path run = TinyExport.writeDiverged(tmp.resolve("diverged"));
    try (Predictor p = Predictor.open(run)) {
      BadInputException e = assertThrows(BadInputException.class, () -> p.predict(List.of("hi")));
      assertTrue(
          e.problems()
              .get(0)
              .endsWith(
                  ": the model's outputs are not finite (its weights"
                      + " hold NaN or infinity); it cannot classify anything"),
          e.problems().get(0));
    }
  }

  @Test
  void metadataWithMoreLayersThanTheParametersIsRefused() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"));
    editBert(run, "numLayers", 2);
    assertNotAParameterFileOf(run);
  }

  @Test
  void metadataWithFewerLayersThanTheParametersIsRefused() throws Exception {
    Path run =
        TinyExport.write(
            tmp.resolve("run"), List.of("ham", "spam"), 7, TinyExport.BERT.withNumLayers(2));
    editBert(run, "numLayers", 1);
    assertNotAParameterFileOf(run);
  }

  @Test
  void bytesAfterTheParametersAreRefused() throws Exception {
    // DJL stops reading after the last parameter the block has and says nothing of the rest; the
    // check that the file ends with exactly the loaded parameters does not.
    Path run = TinyExport.write(tmp.resolve("run"));
    Path params = TinyExport.modelDir(run).resolve("model-0000.params");
    Files.write(params, new byte[] {1, 2, 3, 4}, StandardOpenOption.APPEND);
    TinyExport.reseal(TinyExport.modelDir(run));
    BadInputException e = assertThrows(BadInputException.class, () -> Predictor.open(run));
    assertEquals(
        List.of(
            params
                + ": holds more than the parameters "
                + TinyExport.modelDir(run).resolve("finetune4j-model.json")
                + " describes (the metadata does not match the parameters)"),
        e.problems());
  }

  private static void assertNotAParameterFileOf(Path run) {
    BadInputException e = assertThrows(BadInputException.class, () -> Predictor.open(run));
    Path model = TinyExport.modelDir(run);
    assertEquals(
        List.of(
            model.resolve("model-0000.params")
                + ": not a parameter file of the model that "
                + model.resolve("finetune4j-model.json")
                + " describes (it is damaged, or the two files do not belong together)"),
        e.problems());
  }

  @Test
  void metadataWithAnotherHiddenSizeIsRefusedNamingTheShapes() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"));
    editBert(run, "hiddenSize", 16);
    editBert(run, "intermediateSize", 32);
    BadInputException e = assertThrows(BadInputException.class, () -> Predictor.open(run));
    String msg = e.getMessage();
    assertTrue(
        msg.contains(
            "model-0000.params: parameter embeddings.word_embeddings.weight has shape"
                + " (30522, 8) but "),
        msg);
    assertTrue(
        msg.contains("describes (30522, 16) (the metadata does not match the parameters)"), msg);
    assertTrue(msg.matches("(?s).*\\d+ more parameters differ from what .*"), msg);
    assertEquals(4, e.problems().size(), msg);
  }

  @Test
  void aTokenizerWithIdsBeyondTheVocabularyIsRefused() throws Exception {
    // An encoder with a smaller vocabulary than the MiniLM tokenizer's ids: export, then predict.
    BertConfig small = new BertConfig(1000, 8, 1, 2, 16, 64, 2, 1e-12);
    Path run = TinyExport.write(tmp.resolve("run"), List.of("ham", "spam"), 7, small);
    BadInputException e = assertThrows(BadInputException.class, () -> Predictor.open(run));
    assertTrue(
        e.getMessage().contains("tokenizer.json: has token ids up to 30521, but "), e::getMessage);
    assertTrue(
        e.getMessage().endsWith("gives the encoder a vocabulary of 1000 ids"), e::getMessage);
  }

  static void editBert(Path run, String key, int value) throws Exception {
    Path file = TinyExport.modelDir(run).resolve("finetune4j-model.json");
    ObjectNode meta = (ObjectNode) JSON.readTree(file.toFile());
    ((ObjectNode) meta.get("bert")).put(key, value);
    Files.writeString(file, JSON.writeValueAsString(meta));
    TinyExport.reseal(TinyExport.modelDir(run));
    assertFalse(Manifest.verify(TinyExport.modelDir(run)).iterator().hasNext());
  }
}
