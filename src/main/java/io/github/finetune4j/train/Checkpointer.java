package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.optim.ParamState;
import io.github.finetune4j.optim.Updater;
import io.github.finetune4j.params.ParameterNames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a run's checkpoints and puts a run back where one left it: the weights (running statistics
 * included), early stopping's best weights, the optimizer state, the {@link Progress} and the
 * {@link FaultTracker}'s counters. After a fault it also puts back the last good weights: those of
 * the newest checkpoint known to be good, or the weights before training.
 */
final class Checkpointer {

  private static final NDIndex ZERO_ALL = new NDIndex("...");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainSetup s;
  private final NDManager manager;
  private final Updater updater;
  private final InitialWeights initial;
  private final GroupDiagnostics diagnostics;
  private final FaultTracker faults;

  /** Early stopping, whose best weights are saved and restored. */
  private final EarlyStopper early;

  /**
   * @param s the setup (its {@link CheckpointPolicy}, when any, says where and how often)
   * @param manager the manager that owns restored tensors
   * @param updater the optimizer, whose state is saved and restored
   * @param initial the weights before training
   * @param diagnostics told whenever weights are put back
   * @param faults its counters are saved and restored
   * @param early early stopping, whose best weights are saved and restored
   */
  Checkpointer(
      TrainSetup s,
      NDManager manager,
      Updater updater,
      InitialWeights initial,
      GroupDiagnostics diagnostics,
      FaultTracker faults,
      EarlyStopper early) {
    this.s = s;
    this.manager = manager;
    this.updater = updater;
    this.initial = initial;
    this.diagnostics = diagnostics;
    this.faults = faults;
    this.early = early;
  }

  /** Writes a checkpoint when the run has a checkpoint policy. */
  void write(Progress p) throws IOException {
    CheckpointPolicy c = s.checkpoints();
    if (c == null) {
      return;
    }
    ObjectNode state = c.extras() == null ? JSON.createObjectNode() : c.extras().deepCopy();
    state.put("epoch", p.epoch);
    state.put("stage", p.stage);
    state.put("stage_epoch", p.stageEpoch);
    state.put("batch", p.batch);
    if (p.batch > 0) {
      ArrayNode order = state.putArray("order");
      for (int i : p.order) {
        order.add(i);
      }
      state.put("loss_sum", p.lossSum);
      state.put("loss_examples", p.lossExamples);
      ArrayNode acc = state.putArray("train_metrics");
      for (double v : p.trainMetrics.snapshot()) {
        acc.add(v);
      }
    }
    state.put("rng", Base64.getEncoder().encodeToString(serialize(p.rng)));
    state.set("epochs", JSON.valueToTree(p.epochs));
    if (p.base != null) {
      ObjectNode base = state.putObject("base");
      savePass(base.putObject("valid"), p.base.valid());
      savePass(base.putObject("test"), p.base.test());
    }
    faults.save(state);
    state.set("warnings", s.warnings().state());
    if (s.earlyStopping() != null) {
      ObjectNode es = state.putObject("early_stopping");
      if (!Double.isNaN(p.bestValue)) {
        es.put("best_value", p.bestValue);
      }
      es.put("best_epoch", p.bestEpoch);
      es.put("bad_epochs", p.badEpochs);
      es.put("stopped_after", p.stoppedAfter);
    }
    Map<String, Checkpoint.Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : ParameterNames.of(s.block()).entrySet()) {
      NDArray a = e.getValue().getArray();
      tensors.put(
          "w/" + e.getKey(), new Checkpoint.Tensor(a.getShape().getShape(), a.toFloatArray()));
    }
    for (Map.Entry<String, NDArray> e : early.best().entrySet()) {
      NDArray a = e.getValue();
      tensors.put(
          "b/" + e.getKey(), new Checkpoint.Tensor(a.getShape().getShape(), a.toFloatArray()));
    }
    ObjectNode steps = state.putObject("optimizer_steps");
    for (Map.Entry<String, ParamState> e : updater.exportState().entrySet()) {
      steps.put(e.getKey(), e.getValue().step());
      for (Map.Entry<String, float[]> b : e.getValue().buffers().entrySet()) {
        tensors.put(
            "o/" + e.getKey() + "/" + b.getKey(),
            new Checkpoint.Tensor(e.getValue().shape(), b.getValue()));
      }
    }
    Checkpoint.write(c.root(), p.step, state, tensors, c.files(), c.keep());
  }

  /**
   * After a step: when asked to stop (a signal), writes a checkpoint the run continues from with
   * {@code --resume}, reports its step and waits (the signal handler ends the process, this thread
   * does nothing more); else writes one every {@link CheckpointPolicy#every()} steps inside an
   * epoch (an epoch's end writes its own).
   */
  void afterStep(Progress p) throws IOException {
    CheckpointPolicy c = s.checkpoints();
    if (c != null && c.stop() != null && c.stop().getAsBoolean()) {
      write(p);
      c.stopped().accept(p.step);
      waitForTheEnd();
    }
    if (c != null && c.every() > 0 && p.step % c.every() == 0 && p.batch < p.perEpoch) {
      write(p);
    }
  }

  /** After a stop checkpoint the signal handler ends the process; this thread does nothing more. */
  private static void waitForTheEnd() {
    while (true) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("stopped for a signal", e);
      }
    }
  }

  /** Puts the run back where a checkpoint left it: weights, optimizer state and loop state. */
  void restore(Checkpoint c, Progress p) {
    JsonNode st = c.state();
    restoreWeights(c);
    Map<String, ParamState> opt = new LinkedHashMap<>();
    st.path("optimizer_steps")
        .fields()
        .forEachRemaining(
            e -> {
              String name = e.getKey();
              Map<String, float[]> buffers = new LinkedHashMap<>();
              long[] shape = null;
              for (Map.Entry<String, Checkpoint.Tensor> t : c.tensors().entrySet()) {
                if (t.getKey().startsWith("o/" + name + "/")) {
                  buffers.put(t.getKey().substring(name.length() + 3), t.getValue().values());
                  shape = t.getValue().shape();
                }
              }
              if (shape == null) {
                shape = s.params().get(name).getArray().getShape().getShape();
              }
              opt.put(name, new ParamState(e.getValue().asLong(), shape, buffers));
            });
    updater.importState(opt);
    p.step = c.step();
    p.epoch = st.path("epoch").asInt();
    p.stage = st.path("stage").asInt();
    p.stageEpoch = st.path("stage_epoch").asInt();
    p.batch = st.path("batch").asInt();
    p.resumedMidStage = p.stageEpoch > 0 || p.batch > 0;
    if (p.batch > 0) {
      p.order = new int[st.path("order").size()];
      for (int i = 0; i < p.order.length; i++) {
        p.order[i] = st.path("order").get(i).asInt();
      }
      p.lossSum = st.path("loss_sum").asDouble();
      p.lossExamples = st.path("loss_examples").asLong();
      double[] acc = new double[st.path("train_metrics").size()];
      for (int i = 0; i < acc.length; i++) {
        acc[i] = st.path("train_metrics").get(i).asDouble();
      }
      p.trainMetrics = s.task().accumulator();
      p.trainMetrics.restore(acc);
    }
    p.rng = (Random) deserialize(Base64.getDecoder().decode(st.path("rng").asText()));
    p.epochs.addAll(
        JSON.convertValue(
            st.path("epochs"),
            JSON.getTypeFactory().constructCollectionType(List.class, EpochMetrics.class)));
    if (st.has("base")) {
      p.base =
          new FineTuner.Base(
              readPass(st.path("base").path("valid")), readPass(st.path("base").path("test")));
    }
    faults.restore(st);
    s.warnings().restore(st.path("warnings"));
    JsonNode es = st.path("early_stopping");
    if (!es.isMissingNode()) {
      p.bestValue = es.path("best_value").asDouble(Double.NaN);
      p.bestEpoch = es.path("best_epoch").asInt();
      p.badEpochs = es.path("bad_epochs").asInt();
      p.stoppedAfter = es.path("stopped_after").asInt();
    }
    for (Map.Entry<String, Checkpoint.Tensor> t : c.tensors().entrySet()) {
      if (t.getKey().startsWith("b/")) {
        NDArray b = manager.create(t.getValue().values(), new Shape(t.getValue().shape()));
        early.restore(t.getKey().substring(2), b);
      }
    }
    diagnostics.forgetAll();
  }

  /**
   * Puts back the weights of the newest valid checkpoint whose weights went on to give a finite
   * training loss, or the weights before training when there is none (a {@link
   * FaultTracker.Rollback}).
   *
   * @param f the fault
   * @param lastFiniteLossStep the last step whose training loss was finite
   * @return the fault, with where its weights came from
   */
  TrainingFault rollBack(TrainingFault f, long lastFiniteLossStep) {
    CheckpointPolicy c = s.checkpoints();
    Checkpoint last =
        c == null ? null : Checkpoint.newest(c.root(), lastFiniteLossStep - 1, System.err);
    if (last != null) {
      restoreWeights(last);
      return f.restored(last.step(), "the checkpoint after step " + last.step());
    }
    try (NDScope scope = new NDScope()) {
      initial.restore(s.params());
    }
    diagnostics.forgetAll();
    return f.restored(
        0,
        "the weights before training (no checkpoint"
            + (c == null ? "s were written" : " known to be good")
            + ")");
  }

  /** Puts a checkpoint's weights (running statistics included) back into the model. */
  private void restoreWeights(Checkpoint c) {
    for (Map.Entry<String, Parameter> e : ParameterNames.of(s.block()).entrySet()) {
      Checkpoint.Tensor t = c.tensors().get("w/" + e.getKey());
      NDArray a = e.getValue().getArray();
      if (t == null || !Arrays.equals(t.shape(), a.getShape().getShape())) {
        throw new IllegalArgumentException(
            "the checkpoint " + c.dir() + " does not hold the model's parameter " + e.getKey());
      }
      // into the parameter's own storage (NDArray.set(Buffer) would re-point it at a Java buffer)
      try (NDArray values = a.getManager().create(t.values(), a.getShape())) {
        a.set(ZERO_ALL, values);
      }
    }
    diagnostics.forgetAll();
  }

  private static byte[] serialize(Object o) {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object deserialize(byte[] b) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
      // only a java.util.Random (its fields are primitives): a crafted checkpoint cannot make
      // this deserialize anything else
      in.setObjectInputFilter(
          info ->
              info.serialClass() == null
                  ? (info.depth() <= 2 && info.references() <= 4
                      ? java.io.ObjectInputFilter.Status.UNDECIDED
                      : java.io.ObjectInputFilter.Status.REJECTED)
                  : info.serialClass() == Random.class
                      ? java.io.ObjectInputFilter.Status.ALLOWED
                      : java.io.ObjectInputFilter.Status.REJECTED);
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalArgumentException("the checkpoint's generator state cannot be read", e);
    }
  }

  /** A pass as JSON: its loss (absent when NaN) and metrics (non-finite ones left out). */
  private static void savePass(ObjectNode out, FineTuner.Pass pass) {
    if (Double.isFinite(pass.loss())) {
      out.put("loss", pass.loss());
    }
    ObjectNode m = out.putObject("metrics");
    pass.metrics()
        .metrics()
        .forEach(
            (k, v) -> {
              if (Double.isFinite(v)) {
                m.put(k, v);
              }
            });
  }

  /** A pass written by {@link #savePass}. */
  private static FineTuner.Pass readPass(JsonNode in) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    in.path("metrics")
        .fields()
        .forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
    return new FineTuner.Pass(
        in.path("loss").asDouble(Double.NaN), new Evaluation(metrics, List.of(), null));
  }
}
