package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What an {@link UpdateRule} sees of one parameter for one update: its name, step count,
 * hyper-parameters for this step, and its state buffers, which the {@link Updater} keeps under the
 * parameter's name (so they are exported, imported and {@linkplain Updater#reset reset} with it).
 *
 * <p>Buffers: every buffer has the parameter's shape and data type and lives on its device; its
 * name must be one of the rule's {@link UpdateRule#bufferNames()}. A buffer exists from its first
 * {@link #buffer} or {@link #setBuffer} call until the parameter's state is reset or the updater
 * closed; its contents carry over from one update to the next. The arrays this class returns are
 * detached views attached to {@link #manager()}: in-place operations on them change the state,
 * results of other operations are step-local temporaries.
 *
 * <p>Made by the updater for one update; not to be kept past it.
 */
public final class ParamContext {

  private final String name;
  private final StateEntry entry;
  private final NDArray like;
  private final GroupHyper hyper;
  private final double momentum;
  private final DecayMode decayMode;
  private final Set<String> bufferNames;
  private final String ruleName;
  private final NDManager stateOwner;
  private final Supplier<NDManager> scope;

  ParamContext(
      String name,
      StateEntry entry,
      NDArray like,
      GroupHyper hyper,
      UpdateRule rule,
      Set<String> bufferNames,
      NDManager stateOwner,
      Supplier<NDManager> scope) {
    this.name = name;
    this.entry = entry;
    this.like = like;
    this.hyper = hyper;
    this.momentum = hyper.momentum().orElse(rule.defaultMomentum());
    this.decayMode =
        hyper.decayMode() == DecayMode.RULE_DEFAULT ? rule.defaultDecayMode() : hyper.decayMode();
    this.bufferNames = bufferNames;
    this.ruleName = rule.name();
    this.stateOwner = stateOwner;
    this.scope = scope;
  }

  /**
   * The parameter's name, under which its state is kept.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The number of updates of this parameter, this one included: 1 on its first update (and on the
   * first after a reset), as torch's {@code state["step"]} after its increment.
   *
   * @return the step count, {@code >= 1}
   */
  public long step() {
    return entry.step;
  }

  /**
   * The group's hyper-parameters for this step, as the slot carries them.
   *
   * @return the hyper-parameters
   */
  public GroupHyper hyper() {
    return hyper;
  }

  /**
   * The learning rate for this step ({@code hyper().lr()}).
   *
   * @return the learning rate
   */
  public double lr() {
    return hyper.lr();
  }

  /**
   * The momentum (or beta1) for this step: the group's override if present, else the rule's {@link
   * UpdateRule#defaultMomentum()}.
   *
   * @return the momentum
   */
  public double momentum() {
    return momentum;
  }

  /**
   * The weight-decay mode for this step, resolved: the group's mode, or the rule's {@link
   * UpdateRule#defaultDecayMode()} for {@link DecayMode#RULE_DEFAULT}; never {@code RULE_DEFAULT}.
   *
   * @return {@link DecayMode#COUPLED} or {@link DecayMode#DECOUPLED}
   */
  public DecayMode decayMode() {
    return decayMode;
  }

  /**
   * A manager for this update's temporaries, closed by the updater after the update (for a {@link
   * UpdateRule.Batch}, after its {@code run()}).
   *
   * @return the manager
   */
  public NDManager manager() {
    return scope.get();
  }

  /**
   * Whether the buffer exists (was created in an earlier update, or in this one).
   *
   * @param buffer a name from the rule's {@link UpdateRule#bufferNames()}
   * @return whether it exists
   */
  public boolean hasBuffer(String buffer) {
    check(buffer);
    return entry.buffers.containsKey(buffer);
  }

  /**
   * The buffer, created as zeros (the parameter's shape, data type and device) if it does not
   * exist.
   *
   * @param buffer a name from the rule's {@link UpdateRule#bufferNames()}
   * @return a detached view of the buffer, attached to {@link #manager()}
   */
  public NDArray buffer(String buffer) {
    check(buffer);
    return Updater.view(entry.zerosIfAbsent(buffer, like, stateOwner), manager());
  }

  /**
   * Makes {@code value} the buffer, replacing (and freeing) any previous one, as torch's {@code
   * state[name] = value}. The array is moved into the updater's state: it must be one the rule made
   * in this update (the result of an operation, or a {@code duplicate()}), not a view of the
   * weight, the gradient or another buffer, and the rule must not close it.
   *
   * @param buffer a name from the rule's {@link UpdateRule#bufferNames()}
   * @param value the new contents, of the parameter's shape and data type
   * @return a detached view of the stored buffer, attached to {@link #manager()}
   */
  public NDArray setBuffer(String buffer, NDArray value) {
    check(buffer);
    if (!value.getShape().equals(entry.shape) || value.getDataType() != like.getDataType()) {
      throw new IllegalArgumentException(
          name
              + "/"
              + buffer
              + ": a buffer must have the parameter's shape "
              + entry.shape
              + " and type "
              + like.getDataType()
              + ", got "
              + value.getShape()
              + " "
              + value.getDataType());
    }
    entry.replace(buffer, value, stateOwner);
    return Updater.view(value, manager());
  }

  /** The stored buffer itself (not a view), or null: for the built-in fused kernels. */
  NDArray stored(String buffer) {
    return entry.buffers.get(buffer);
  }

  /** The stored buffer itself (not a view), created as zeros if absent. */
  NDArray storedOrZeros(String buffer) {
    check(buffer);
    return entry.zerosIfAbsent(buffer, like, stateOwner);
  }

  private void check(String buffer) {
    if (!bufferNames.contains(buffer)) {
      throw new IllegalArgumentException(
          name + ": buffer " + buffer + " is not one " + ruleName + " keeps " + bufferNames);
    }
  }
}
