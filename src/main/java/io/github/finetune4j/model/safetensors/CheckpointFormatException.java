package io.github.finetune4j.model.safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A checkpoint file that is malformed or does not fit: a broken safetensors header, a tensor whose
 * offsets lie, a {@code config.json} the encoder cannot follow, a missing or misshapen tensor.
 *
 * <p>The message starts with the file's name ({@code model.safetensors: ...}) and names the tensor
 * or field concerned. When several things are wrong, all of them are reported together: the message
 * then has one line per problem, and {@link #problems()} gives each as a line of its own that names
 * the file.
 */
public class CheckpointFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;
  private final transient List<String> problems;

  /**
   * Creates the exception for one problem.
   *
   * @param file the file at fault
   * @param tensor the tensor at fault, or {@code null} if the problem is not one tensor's
   * @param message the whole message, starting with the file's name
   */
  public CheckpointFormatException(Path file, String tensor, String message) {
    this(file, tensor, message, List.of(message));
  }

  /**
   * Creates the exception for several problems found together.
   *
   * @param file the file at fault
   * @param tensor the tensor at fault, or {@code null} if the problem is not one tensor's
   * @param message the whole message, starting with the file's name
   * @param problems one line per problem, each naming its file
   */
  public CheckpointFormatException(
      Path file, String tensor, String message, List<String> problems) {
    super(message);
    this.file = file;
    this.tensor = tensor;
    this.problems = List.copyOf(problems);
  }

  /**
   * Returns every problem found, one line each (no line break inside), each starting with the name
   * of the file it is about.
   *
   * @return the problems; one, the message, unless several were found together
   */
  public List<String> problems() {
    return problems;
  }

  /**
   * Returns the file at fault.
   *
   * @return the path as given to the reader
   */
  public Path file() {
    return file;
  }

  /**
   * Returns the tensor at fault, when the problem is one tensor's.
   *
   * @return the tensor's name as written in the file
   */
  public Optional<String> tensor() {
    return Optional.ofNullable(tensor);
  }
}
