package io.github.finetune4j.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Pairs of texts are tokenized as a BERT cross-encoder reads them: {@code [CLS] a [SEP] b [SEP]},
 * segment ids 0 up to and including the first {@code [SEP]} and 1 after it, truncated longest first
 * to the maximum length — checked against ids and lengths worked out by hand (the bert-base-uncased
 * vocabulary: hello 7592, world 2088) and against the Hugging Face tokenizer's own pair encoding
 * (DJL's {@code HuggingFaceTokenizer.encode(text, textPair)}, configured on its own) on real pairs.
 */
class TextTokenizerPairTest {

  private static final long CLS = 101;
  private static final long SEP = 102;
  private static final long HELLO = 7592;
  private static final long WORLD = 2088;

  @Test
  void aShortPairGetsTheTemplateAndSegmentIdsZeroThenOne() throws Exception {
    try (TextTokenizer tok = TextTokenizer.miniLm(32)) {
      TextTokenizer.Tokens t = tok.pair("Hello world", "world");
      assertArrayEquals(new long[] {CLS, HELLO, WORLD, SEP, WORLD, SEP}, t.ids());
      assertArrayEquals(new long[] {0, 0, 0, 0, 1, 1}, t.typeIds());
      // a single text keeps segment 0 throughout and no second [SEP]
      assertArrayEquals(new long[] {CLS, HELLO, WORLD, SEP}, tok.ids("Hello world"));
    }
  }

  @Test
  void truncatesLongestFirstToTheMaximumLength() throws Exception {
    try (TextTokenizer tok = TextTokenizer.miniLm(10)) {
      // 10 + 3 tokens, 7 fit: only the longer side loses tokens, down to 4 (4 + 3 = 7)
      TextTokenizer.Tokens t = tok.pair("hello ".repeat(10), "world ".repeat(3));
      assertArrayEquals(
          new long[] {CLS, HELLO, HELLO, HELLO, HELLO, SEP, WORLD, WORLD, WORLD, SEP}, t.ids());
      assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, t.typeIds());
      // 3 + 10 tokens: the second side is cut to 4
      t = tok.pair("hello ".repeat(3), "world ".repeat(10));
      assertArrayEquals(
          new long[] {CLS, HELLO, HELLO, HELLO, SEP, WORLD, WORLD, WORLD, WORLD, SEP}, t.ids());
      assertArrayEquals(new long[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, t.typeIds());
      // 6 + 6 tokens, 7 fit: both are cut, 3 + 4 (Hugging Face tokenizers give the odd one to the
      // second text)
      t = tok.pair("hello ".repeat(6), "world ".repeat(6));
      assertArrayEquals(
          new long[] {CLS, HELLO, HELLO, HELLO, SEP, WORLD, WORLD, WORLD, WORLD, SEP}, t.ids());
      assertArrayEquals(new long[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, t.typeIds());
    }
  }

  @Test
  void realPairsMatchTheHuggingFaceTokenizersOwnPairEncoding() throws Exception {
    List<String[]> pairs = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(
                    Files.newInputStream(Path.of("data/spamassassin-pairs/test.jsonl.gz"))),
                StandardCharsets.UTF_8))) {
      for (String line; pairs.size() < 60 && (line = in.readLine()) != null; ) {
        JsonNode n = json.readTree(line);
        pairs.add(new String[] {n.get("query").asText(), n.get("passage").asText()});
      }
    }
    int truncated = 0;
    for (int maxLength : new int[] {24, 64, 128}) {
      HuggingFaceTokenizer hf;
      try (InputStream res =
          TextTokenizer.class.getClassLoader().getResourceAsStream(TextTokenizer.MINILM_RESOURCE)) {
        hf =
            HuggingFaceTokenizer.newInstance(
                res,
                Map.of(
                    "truncation", "LONGEST_FIRST",
                    "maxLength", Integer.toString(maxLength),
                    "padding", "false"));
      }
      try (hf;
          TextTokenizer tok = TextTokenizer.miniLm(maxLength)) {
        for (String[] p : pairs) {
          Encoding want = hf.encode(p[0], p[1]);
          TextTokenizer.Tokens got = tok.pair(p[0], p[1]);
          assertArrayEquals(want.getIds(), got.ids(), Arrays.toString(p));
          assertArrayEquals(want.getTypeIds(), got.typeIds(), Arrays.toString(p));
          assertTrue(got.ids().length <= maxLength);
          // [CLS] first [SEP] second [SEP]: segment 0 through the first [SEP], then 1 to the end
          long[] ids = got.ids();
          int firstSep = 0;
          while (ids[firstSep] != SEP) {
            firstSep++;
          }
          assertEquals(CLS, ids[0]);
          assertEquals(SEP, ids[ids.length - 1]);
          for (int i = 0; i < ids.length; i++) {
            assertEquals(i <= firstSep ? 0 : 1, got.typeIds()[i], "token " + i);
          }
          truncated += ids.length == maxLength ? 1 : 0;
        }
      }
    }
    assertTrue(truncated >= 60, "the check covers truncated pairs: " + truncated);
  }
}
