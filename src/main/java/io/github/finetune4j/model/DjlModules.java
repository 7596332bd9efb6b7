package io.github.finetune4j.model;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * DJL-native modules (a {@link Block} built in Java by a model directory's {@code blockFactory}, as
 * opposed to a TorchScript module): rebuilding one from its factory, and cutting a {@link
 * SequentialBlock} at a named child so that its output feeds a new head.
 */
public final class DjlModules {

  private DjlModules() {}

  /**
   * The children of a sequential block up to and including {@code child}, as a new sequential
   * block: the same block objects (so the same parameters) under the same names; the children after
   * it are left out. A child is named as DJL names it ({@code 03LambdaBlock}) or by its index from
   * 0, as the plan names its parameters ({@code 2} for the third child, whose parameters are {@code
   * 2.weight}, ...).
   *
   * @param block the model's block
   * @param child the name or index of the last child kept
   * @return the cut block
   * @throws IllegalArgumentException when the block is not sequential or has no such child, naming
   *     the children it has
   */
  public static SequentialBlock cut(Block block, String child) {
    if (!(block instanceof SequentialBlock seq)) {
      throw new IllegalArgumentException(
          "the model's block is a "
              + block.getClass().getSimpleName()
              + ", not a SequentialBlock, so it has no child to cut at; cut it in Java and"
              + " fine-tune it with FineTuning");
    }
    List<String> names = new ArrayList<>();
    SequentialBlock out = new SequentialBlock();
    int i = 0;
    for (Pair<String, Block> c : seq.getChildren()) {
      names.add(i + " (" + c.getKey() + ")");
      out.add(c.getValue());
      if (c.getKey().equals(child) || String.valueOf(i).equals(child)) {
        if (i == seq.getChildren().size() - 1) {
          throw new IllegalArgumentException(
              "'"
                  + child
                  + "' is the model's last child: cutting there keeps the whole model;"
                  + " use head.replace: none to keep its output, or name an earlier child");
        }
        return out;
      }
      i++;
    }
    throw new IllegalArgumentException(
        "the model's SequentialBlock has no child '" + child + "'; its children: " + names);
  }

  /**
   * Builds a block with a DJL {@link BlockFactory} named by class, as DJL's model loader does with
   * a {@code serving.properties} {@code blockFactory}; cut at {@code child} when it is not null.
   *
   * @param factoryClass the factory's class name (on the class path)
   * @param model the model the block is for
   * @param modelPath the directory handed to the factory
   * @param arguments the arguments handed to the factory
   * @param child the child to cut at, or null
   * @return the block, not initialized
   * @throws IOException when the factory cannot be found, made or run
   */
  public static Block build(
      String factoryClass, Model model, Path modelPath, Map<String, ?> arguments, String child)
      throws IOException {
    BlockFactory factory;
    try {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      Class<?> c = Class.forName(factoryClass, true, loader);
      factory = (BlockFactory) c.getConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      throw new IOException("the block factory " + factoryClass + " is not on the class path", e);
    } catch (ClassCastException
        | ReflectiveOperationException
        | LinkageError
        | SecurityException e) {
      Throwable cause = e instanceof InvocationTargetException i ? i.getCause() : e;
      throw new IOException("cannot make the block factory " + factoryClass + ": " + cause, e);
    }
    Block block = factory.newBlock(model, modelPath, arguments);
    if (block == null) {
      throw new IOException("the block factory " + factoryClass + " made no block");
    }
    try {
      return child == null ? block : cut(block, child);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * Whether a TorchScript module ({@link ai.djl.pytorch.engine.PtSymbolBlock}) is the block or one
   * of its descendants.
   *
   * @param block the block
   * @return true when one is
   */
  public static boolean holdsTorchScript(Block block) {
    if (block instanceof ai.djl.pytorch.engine.PtSymbolBlock) {
      return true;
    }
    return block.getChildren().values().stream().anyMatch(DjlModules::holdsTorchScript);
  }
}
