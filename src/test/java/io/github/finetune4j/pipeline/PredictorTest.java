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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Predictor} refuses metadata that does not describe the parameters: layers, widths,
 * vocabulary, bytes beyond the last parameter.
 */
class PredictorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

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
