package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * An optimizer update rule: the algorithm, its rule-wide constants and its math. Per-group values
 * (learning rate, penalties, momentum override) come with each {@link ParamSlot}; per-parameter
 * state lives in the {@link Updater}, keyed by parameter name, and is reached through the {@link
 * ParamContext} of each update.
 *
 * <p>The built-in rules are {@link Sgd}, {@link Adam}, {@link AdamW} and {@link RmsProp}. Any other
 * implementation can be given to {@link Updater} (and so to {@code TrainSetup}/{@code FineTuner})
 * the same way; only {@link #name()} and {@link #update} must be written.
 *
 * <h2>Contract</h2>
 *
 * <p>For every slot of one {@link Updater#step} the updater, in slot order:
 *
 * <ol>
 *   <li>increments the parameter's step count ({@link ParamContext#step()} is 1 on its first update
 *       and after a {@link Updater#reset});
 *   <li>offers the slot to this step's {@link Batch}, if {@link #newBatch} returned one; a batch
 *       that takes it updates it in {@link Batch#run()}, penalties included, and the next steps are
 *       skipped;
 *   <li>otherwise resolves the weight-decay mode ({@link ParamContext#decayMode()}: the group's
 *       {@link GroupHyper#decayMode()}, or {@link #defaultDecayMode()} for {@link
 *       DecayMode#RULE_DEFAULT}) and applies the penalties of {@link GroupHyper}, the same for
 *       every rule, all from the weights before this step:
 *       <ol>
 *         <li>coupled, into a new array {@code g'} (the slot's gradient itself is not changed by
 *             them; with no coupled penalty {@code g'} is a view of it): {@code g' = g + wd * w}
 *             (decay mode {@link DecayMode#COUPLED}), {@code + l1 * sign(w)}, {@code + l2sp * (w -
 *             w0)} (L2-SP mode other than {@link DecayMode#DECOUPLED});
 *         <li>decoupled, on the weights: {@code w *= 1 - lr * wd} (decay mode {@link
 *             DecayMode#DECOUPLED}), then {@code w -= lr * l2sp * (w_before - w0)} (L2-SP mode
 *             {@link DecayMode#DECOUPLED});
 *       </ol>
 *       weight decay is left out of both when {@link #appliesWeightDecay()} is true;
 *   <li>calls {@link #update(NDArray, NDArray, ParamContext) update(w, g', ctx)}.
 * </ol>
 *
 * <p>Then it runs the batch, if any. Parameters are independent: a rule must not assume an order
 * among them, nor keep per-parameter values in its own fields (the rule object is shared by all
 * parameters and all updaters, and is expected to be immutable).
 *
 * <p>Arrays, in {@link #update}: {@code weight} and {@code grad} are detached views (they share
 * storage with the parameter, resp. the gradient after coupled penalties, but are not autograd
 * leaves), attached to {@link ParamContext#manager()}, a manager closed right after the call; the
 * rule changes the parameter by in-place operations on {@code weight} ({@code subi}, {@code muli},
 * {@code set}, ...), and may write {@code grad}. Results of operations on these views, and on the
 * views {@link ParamContext#buffer} returns, land in that manager and are freed with it, so a rule
 * does not close anything. State buffers are the only thing that outlives the call: {@link
 * ParamContext#buffer} (created as zeros) or {@link ParamContext#setBuffer}, with names from {@link
 * #bufferNames()}, each of the parameter's shape and data type. Scalars are best passed to DJL
 * operations as {@code float}, as torch converts Python floats for float32 tensors.
 *
 * <p>The updater may be called with grad mode on (inside a {@code GradientCollector}): the arrays a
 * rule gets are detached, so its operations are not recorded by autograd.
 */
public interface UpdateRule {

  /**
   * The rule's name: torch's class name in lower case for the built-in rules ({@code sgd}, {@code
   * adam}, {@code adamw}, {@code rmsprop}). It names the rule in messages.
   *
   * @return the name
   */
  String name();

  /**
   * What {@link DecayMode#RULE_DEFAULT} means for weight decay under this rule ({@link
   * ParamContext#decayMode()}); {@link DecayMode#COUPLED} unless overridden ({@link AdamW}: {@link
   * DecayMode#DECOUPLED}).
   *
   * @return {@link DecayMode#COUPLED} or {@link DecayMode#DECOUPLED}
   */
  default DecayMode defaultDecayMode() {
    return DecayMode.COUPLED;
  }

  /**
   * The rule's momentum (SGD, RMSprop) or beta1 (Adam, AdamW), used when a step gives no override
   * ({@link ParamContext#momentum()}); 0 for a rule without one (the default), which also keeps
   * {@code FineTuner}'s one-cycle schedule from cycling it.
   *
   * @return the momentum
   */
  default double defaultMomentum() {
    return 0.0;
  }

  /**
   * Names of the per-parameter state buffers this rule may keep (as torch's {@code state_dict}
   * names them, for the built-in rules). {@link ParamContext} refuses other names and {@link
   * Updater#importState} refuses state with other names. Must not change over the rule's life;
   * empty (the default) for a stateless rule.
   *
   * @return buffer names
   */
  default List<String> bufferNames() {
    return List.of();
  }

  /**
   * Whether this rule applies weight decay itself. When false (the default, and for every built-in
   * rule) the updater applies {@link GroupHyper#weightDecay()} before {@link #update} as the class
   * comment says; when true it leaves weight decay out (L1 and L2-SP are still applied) and {@link
   * #update} must apply {@code ctx.hyper().weightDecay()} in {@code ctx.decayMode()} itself, for
   * example inside a trust ratio (LAMB) or after the step.
   *
   * @return whether {@link #update} applies weight decay
   */
  default boolean appliesWeightDecay() {
    return false;
  }

  /**
   * Updates one parameter in place: the generic path, taken for every slot that no {@link Batch}
   * took. See the class comment for what has already been done to {@code weight} and {@code grad}
   * and for the arrays' lifetimes.
   *
   * @param weight detached view of the parameter, penalties applied; update it in place
   * @param grad the gradient with the coupled penalties added (a detached view or a step-local
   *     array); the rule may overwrite it
   * @param ctx the parameter's step count, hyper-parameters and state buffers for this update
   */
  void update(NDArray weight, NDArray grad, ParamContext ctx);

  /**
   * An optional batched path for one step, for example one native call over all parameters; {@code
   * null} (the default) when the rule has none, and then every slot takes {@link #update}. Called
   * once per {@link Updater#step} that has slots, before the first slot is offered, unless the
   * updater's batches are switched off. The built-in {@link Sgd}, {@link Adam} and {@link AdamW}
   * return one backed by TorchScript kernels when the arrays are PyTorch's.
   *
   * @param ctx what the updater lends a batch for this step
   * @return this step's batch, or {@code null}
   */
  default Batch newBatch(BatchContext ctx) {
    return null;
  }

  /**
   * The batched updates of one step (see {@link UpdateRule#newBatch}).
   *
   * <p>A batch takes over the whole update of each slot it takes, penalties included: it must
   * decline ({@code false}) any slot whose {@link GroupHyper} it cannot apply exactly as the
   * generic path would (see {@link UpdateRule}), and a slot it declines must be left as it was
   * (creating state buffers through the context is allowed).
   */
  interface Batch {

    /**
     * Offers one slot, after its step count was incremented.
     *
     * @param slot the slot as the caller gave it: {@code weight()} is the parameter itself (an
     *     autograd leaf), {@code grad()} its raw gradient (scratch for the batch, see {@link
     *     Updater}), no penalty applied; results of operations on these two arrays land in their
     *     own managers, which the updater does not close, so work on {@code stopGradient()} views
     *     attached to {@code ctx.manager()}
     * @param ctx the parameter's state and hyper-parameters; its {@link ParamContext#manager()}
     *     lives until {@link #run()} returns
     * @return whether the batch takes the slot (then it must update it in {@link #run()})
     */
    boolean offer(ParamSlot slot, ParamContext ctx);

    /** Applies the updates of every slot taken; called once per step, after the last offer. */
    void run();
  }
}
