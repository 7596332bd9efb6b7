package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue #23 (found while fuzzing): a resumed run restores its random generator from the
 * checkpoint's {@code state.json}; the bytes are Java serialization, so only a {@link Random} may
 * come out of them — anything else a crafted checkpoint holds is refused before it is built.
 */
class CheckpointRngFilterTest {

  private static byte[] serialized(Object o) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(b)) {
      out.writeObject(o);
    }
    return b.toByteArray();
  }

  private static Object deserialize(byte[] b) throws Throwable {
    Method m = Checkpointer.class.getDeclaredMethod("deserialize", byte[].class);
    m.setAccessible(true);
    try {
      return m.invoke(null, (Object) b);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Test
  void aRandomComesBackWithItsState() throws Throwable {
    Random r = new Random(42);
    r.nextInt();
    Random back = (Random) deserialize(serialized(r));
    assertEquals(r.nextLong(), back.nextLong());
  }

  @Test
  void anythingElseIsRefused() throws Throwable {
    List<Object> other = new ArrayList<>(List.of("x"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> deserialize(serialized(other)));
    assertEquals("the checkpoint's generator state cannot be read", e.getMessage());
    assertInstanceOf(java.io.InvalidClassException.class, e.getCause());
  }
}
