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
  void plainTextIsUnchanged() {
    String s = "héllo wörld – ✓ 日本";
    assertSame(s, Escapes.escape(s));
  }
}
