package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class EscapesTest {

  @Test
  void controlCharactersBecomeVisibleEscapes() {
    assertEquals("a\\u001b[2Jb", Escapes.escape("a\u001b[2Jb"));
    assertEquals("x\\ny\\tz\\r", Escapes.escape("x\ny\tz\r"));
    assertEquals("\\u0000\\u007f\\u009b", Escapes.escape("\u0000\u007f\u009b"));
  }

  @Test
  void lineSeparatorsAndBidiControlsBecomeVisibleEscapes() {
    // U+202E would show "gpj.exe" as "exe.jpg"; U+2028 breaks a line in some terminals
    assertEquals("a\\u202egpj.exe", Escapes.escape("a\u202egpj.exe"));
    assertEquals("one\\u2028two\\u2029", Escapes.escape("one\u2028two\u2029"));
    assertEquals("\\u200e\\u2066x\\u2069", Escapes.escape("\u200e\u2066x\u2069"));
    assertEquals("lone\\rcr", Escapes.escape("lone\rcr"));
    assertEquals("é ü 中文 😀", Escapes.escape("é ü 中文 😀"), "other text stays as it is");
  }

  @Test
  void plainTextIsUnchanged() {
    String s = "héllo wörld – ✓ 日本";
    assertSame(s, Escapes.escape(s));
  }
}
