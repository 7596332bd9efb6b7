package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Applies an {@link UpdateRule} to parameters in place, keeping optimizer state per parameter name.
 *
 * <p>One {@link #step(List)} updates every slot given (state is created in slot order; the
 * parameters are independent, so the order of their updates does not matter). For each slot it
 * increments the parameter's step count, offers the slot to the rule's batch for this step ({@link
 * UpdateRule#newBatch}) if it has one, and otherwise
 *
 * <ol>
 *   <li>adds the coupled penalties to a copy of the gradient: weight decay {@code wd * w}, L1
 *       {@code l1 * sign(w)}, L2-SP {@code l2sp * (w - w0)} (all from the weights before this
 *       step);
 *   <li>applies the decoupled penalties to the weights: {@code w *= 1 - lr * wd}, then {@code w -=
 *       lr * l2sp * (w_before - w0)};
 *   <li>runs the rule's {@link UpdateRule#update} (see {@link Sgd}, {@link Adam}, {@link AdamW},
 *       {@link RmsProp}, or any other implementation).
 * </ol>
 *
 * <p>These penalties are the same for every rule; {@link UpdateRule} states the contract exactly
 * (including a rule that applies weight decay itself). The updater knows no rule by type.
 *
 * <p>State (step count and buffers such as {@code exp_avg}) is created lazily on a parameter's
 * first update, exactly as torch does, through the {@link ParamContext} of the update, and lives in
 * a manager owned by this updater until {@link #close()}. Temporaries of each parameter update live
 * in a sub-manager closed right after it, so native memory stays flat over training.
 *
 * <p>In-place updates: DJL's PyTorch parameters are autograd leaves that require gradients, on
 * which torch forbids in-place operations while grad mode is on (it is on inside a {@code
 * GradientCollector}, and torch's grad mode is per thread). The updater therefore hands rules
 * {@link NDArray#stopGradient()} views: detached tensors that share storage with the parameter, so
 * in-place operations on them change the parameter's own array (the same {@code NDArray} object the
 * model holds) without touching autograd.
 *
 * <p>Gradients are consumed: {@link #step(List)} may use a slot's gradient array as scratch space,
 * so its contents are unspecified once the step returns (pass a copy to keep a gradient). The
 * caller must therefore take anything it needs from the gradients (norms, clipping) before the step
 * and reset them after it; {@code FineTuner} takes its gradient norms and clips before the step and
 * fills every gradient with zeros right after it. The fused path writes to gradients: SGD adds the
 * coupled weight decay (and Nesterov's look-ahead) to the gradient in place, Adam and AdamW its
 * coupled decay and then the denominator, instead of into new tensors.
 *
 * <p>SGD, Adam and AdamW steps run, where they can, in one call into libtorch (their batch, on
 * {@link FusedKernels}: torch's own kernels in {@code torch.optim}'s order, no temporaries); an SGD
 * parameter's first momentum step, L1, L2-SP and SGD's decoupled weight decay take the
 * per-parameter DJL operations of the list above, as does RMSprop. Both give {@code torch.optim}'s
 * results ({@code OptimGoldenTest} covers both).
 *
 * <p>Arrays are assumed float32 (state export and import use {@code float[]}). Not thread-safe.
 */
public final class Updater implements AutoCloseable {

  private final UpdateRule rule;
  private final NDManager stateManager;
  private final boolean ownsParent;
  private final NDManager parent;
  private final Map<String, StateEntry> state = new LinkedHashMap<>();
  private final Set<String> bufferNames;
  private boolean batchesEnabled = true;
  private boolean fusedLoaded;
  private FusedKernels fused;

  /**
   * An updater whose state lives in a new base manager of the default engine (CPU).
   *
   * @param rule the update rule
   */
  public Updater(UpdateRule rule) {
    this(rule, NDManager.newBaseManager(), true);
  }

  /**
   * An updater whose state lives in a sub-manager of {@code parent} (use the model's manager to
   * keep the state on the model's device).
   *
   * @param rule the update rule
   * @param parent the manager to derive the state manager from
   */
  public Updater(UpdateRule rule, NDManager parent) {
    this(rule, parent, false);
  }

  private Updater(UpdateRule rule, NDManager parent, boolean ownsParent) {
    if (rule == null) {
      throw new IllegalArgumentException("rule must not be null");
    }
    this.rule = rule;
    this.bufferNames = Collections.unmodifiableSet(new LinkedHashSet<>(rule.bufferNames()));
    this.parent = parent;
    this.ownsParent = ownsParent;
    this.stateManager = parent.newSubManager();
    this.stateManager.setName("optimizer-state");
  }

  /**
   * Returns the update rule.
   *
   * @return the rule
   */
  public UpdateRule rule() {
    return rule;
  }

  /**
   * Updates every slot's weight in place.
   *
   * <p>The slots' gradient arrays may be overwritten (see the class comment).
   *
   * @param slots the parameters with their gradients and hyper-parameters; names must be unique
   * @throws IllegalArgumentException if two slots share a name (nothing is updated)
   * @throws IllegalStateException if a parameter's shape differs from its stored state (nothing is
   *     updated)
   */
  public void step(List<ParamSlot> slots) {
    Set<String> seen = new HashSet<>();
    for (ParamSlot s : slots) {
      if (!seen.add(s.name())) {
        throw new IllegalArgumentException("parameter " + s.name() + " appears twice in one step");
      }
      StateEntry entry = state.get(s.name());
      if (entry != null && !entry.shape.equals(s.weight().getShape())) {
        throw new IllegalStateException(
            s.name()
                + ": weight shape "
                + s.weight().getShape()
                + " != optimizer state shape "
                + entry.shape);
      }
    }
    if (slots.isEmpty()) {
      return;
    }
    BatchContext batchContext = new BatchContext(this, stateManager);
    try {
      UpdateRule.Batch batch = batchesEnabled ? rule.newBatch(batchContext) : null;
      for (ParamSlot s : slots) {
        StateEntry entry =
            state.computeIfAbsent(s.name(), n -> new StateEntry(s.weight().getShape()));
        entry.step++;
        if (batch != null && batch.offer(s, context(s, entry, batchContext::manager))) {
          continue;
        }
        try (NDManager scope = stateManager.newSubManager()) {
          update(s, context(s, entry, () -> scope), scope);
        }
      }
      if (batch != null) {
        batch.run();
      }
    } finally {
      batchContext.close();
    }
  }

  private ParamContext context(ParamSlot s, StateEntry entry, Supplier<NDManager> scope) {
    return new ParamContext(
        s.name(), entry, s.weight(), s.hyper(), rule, bufferNames, stateManager, scope);
  }

  /** The fused kernels, loaded on first use; null when not loadable. */
  FusedKernels kernels() {
    if (!fusedLoaded) {
      fusedLoaded = true;
      fused = FusedKernels.load(stateManager);
    }
    return fused;
  }

  /**
   * Turns the rule's batched path ({@link UpdateRule#newBatch}; for SGD, Adam and AdamW the
   * TorchScript kernels of {@link FusedKernels}) on or off (on by default), for tests and
   * benchmarks that compare it with the per-parameter DJL operations of {@link UpdateRule#update}.
   *
   * @param enabled whether steps may use the rule's batch
   */
  void useFusedKernels(boolean enabled) {
    this.batchesEnabled = enabled;
  }

  /**
   * How many tensor updates the fused TorchScript kernels have applied for this updater: a probe
   * for tests that the fast path is taken.
   *
   * @return the count, 0 if the kernels were never loaded
   */
  long fusedTensorUpdates() {
    return fused == null ? 0 : fused.tensorsUpdated();
  }

  /** The generic path: rule-independent penalties, then {@link UpdateRule#update}. */
  private void update(ParamSlot s, ParamContext ctx, NDManager scope) {
    GroupHyper h = s.hyper();
    double lr = h.lr();
    NDArray w = view(s.weight(), scope);
    NDArray g = view(s.grad(), scope);
    DecayMode wdMode = ctx.decayMode();
    boolean decays = h.weightDecay() > 0.0 && !rule.appliesWeightDecay();
    boolean spDecoupled = h.l2spMode() == DecayMode.DECOUPLED;

    NDArray fromAnchor = h.l2sp() > 0.0 ? w.sub(view(s.anchor(), scope)) : null;
    // Coupled penalties, from the weights before this step (torch: grad.add(param, alpha=wd)).
    // Written as (penalty).addi(g), one temporary instead of two; IEEE addition is commutative,
    // so the result is bitwise that of g + penalty. The caller's gradient is never modified.
    if (decays && wdMode == DecayMode.COUPLED) {
      g = w.mul(f32(h.weightDecay())).addi(g);
    }
    if (h.l1() > 0.0) {
      g = w.sign().muli(f32(h.l1())).addi(g);
    }
    if (fromAnchor != null && !spDecoupled) {
      g = fromAnchor.mul(f32(h.l2sp())).addi(g);
    }
    // Decoupled penalties on the weights (torch AdamW: param.mul_(1 - lr * weight_decay)).
    if (decays && wdMode == DecayMode.DECOUPLED) {
      w.muli(f32(1.0 - lr * h.weightDecay()));
    }
    if (fromAnchor != null && spDecoupled) {
      w.subi(fromAnchor.muli(f32(lr * h.l2sp())));
    }
    rule.update(w, g, ctx);
  }

  /** Scalars go to the engine as float32, as torch converts Python floats for float32 tensors. */
  static Float f32(double v) {
    return (float) v;
  }

  /**
   * A detached view of {@code array} that shares its storage, attached to {@code scope} so that the
   * view and everything computed from it are freed with the scope.
   */
  static NDArray view(NDArray array, NDManager scope) {
    NDArray v = array.stopGradient();
    v.attach(scope);
    return v;
  }

  /**
   * Drops the state (moments, step count) of the named parameters, as if they had never been
   * updated; their next update starts fresh. Unknown names are ignored.
   *
   * @param names parameter names
   */
  public void reset(Collection<String> names) {
    for (String n : names) {
      StateEntry e = state.remove(n);
      if (e != null) {
        e.close();
      }
    }
  }

  /**
   * Returns how many updates the named parameter has received.
   *
   * @param name the parameter name
   * @return the step count, 0 if the parameter has no state
   */
  public long stepCount(String name) {
    StateEntry e = state.get(name);
    return e == null ? 0 : e.step;
  }

  /**
   * Copies the whole optimizer state into plain arrays, in first-update order.
   *
   * @return state by parameter name
   */
  public Map<String, ParamState> exportState() {
    Map<String, ParamState> out = new LinkedHashMap<>();
    for (Map.Entry<String, StateEntry> e : state.entrySet()) {
      StateEntry s = e.getValue();
      Map<String, float[]> buffers = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> b : s.buffers.entrySet()) {
        NDArray a = b.getValue();
        if (a.getDataType() != DataType.FLOAT32) {
          throw new IllegalStateException(
              e.getKey() + "/" + b.getKey() + ": only float32 state can be exported");
        }
        buffers.put(b.getKey(), a.toFloatArray());
      }
      out.put(e.getKey(), new ParamState(s.step, s.shape.getShape(), buffers));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Replaces the whole optimizer state, for example from a checkpoint.
   *
   * @param imported state by parameter name, as {@link #exportState()} returns it
   * @throws IllegalArgumentException if a buffer name is not one this rule keeps
   */
  public void importState(Map<String, ParamState> imported) {
    for (Map.Entry<String, ParamState> e : imported.entrySet()) {
      for (String b : e.getValue().buffers().keySet()) {
        if (!bufferNames.contains(b)) {
          throw new IllegalArgumentException(
              e.getKey()
                  + ": buffer "
                  + b
                  + " is not kept by "
                  + rule.name()
                  + " "
                  + rule.bufferNames());
        }
      }
    }
    state.values().forEach(StateEntry::close);
    state.clear();
    for (Map.Entry<String, ParamState> e : imported.entrySet()) {
      ParamState p = e.getValue();
      Shape shape = new Shape(p.shape());
      StateEntry entry = new StateEntry(shape);
      entry.step = p.step();
      for (Map.Entry<String, float[]> b : p.buffers().entrySet()) {
        entry.buffers.put(b.getKey(), stateManager.create(b.getValue(), shape));
      }
      state.put(e.getKey(), entry);
    }
  }

  /** Frees all optimizer state. */
  @Override
  public void close() {
    state.values().forEach(StateEntry::close);
    state.clear();
    stateManager.close();
    if (ownsParent) {
      parent.close();
    }
  }
}
