package io.github.finetune4j.pipeline;

import java.nio.file.Path;

/** A separate process that holds a run directory's lock until it is killed (for tests). */
public final class LockHolder {
  private LockHolder() {}

  /**
   * Opens (creates and locks) {@code DIR.partial} and waits.
   *
   * @param args the run directory
   * @throws Exception never in practice
   */
  public static void main(String[] args) throws Exception {
    RunDirectory dir = RunDirectory.open(Path.of(args[0]), System.out);
    System.out.println("locked " + dir.partial());
    System.out.flush();
    Thread.sleep(120_000);
  }
}
