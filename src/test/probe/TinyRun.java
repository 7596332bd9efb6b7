import io.github.finetune4j.pipeline.TinyExport;
import java.nio.file.Path;

/**
 * Writes the probe's text-model fixture: {@link TinyExport}'s one-layer, 8-wide encoder over the
 * MiniLM vocabulary, exported as {@code finetune run} exports (run with the test classes on the
 * class path, in source-file mode: {@code java -cp ... src/test/probe/TinyRun.java DIR}).
 */
public final class TinyRun {
  private TinyRun() {}

  /**
   * Entry point.
   *
   * @param args the run directory to create
   */
  public static void main(String[] args) {
    TinyExport.write(Path.of(args[0]));
  }
}
