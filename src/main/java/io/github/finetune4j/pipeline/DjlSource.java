package io.github.finetune4j.pipeline;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.github.finetune4j.model.TorchScriptBlock;
import io.github.finetune4j.recipe.DjlModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code model: {type: djl, url, name, engine}}: anything DJL's {@link Criteria} loads — a local
 * model directory, a {@code file:} URL, a zoo id such as {@code djl://ai.djl.pytorch/...}, an https
 * URL — exactly as DJL users write it. DJL resolves and loads the model (downloading it when the
 * network is there); this version fine-tunes what it loads when that is a TorchScript module (the
 * PyTorch engine's {@code NAME.pt}), which is then read with {@link TorchScriptBlock#load} so that
 * the norm policy reaches its BatchNorm layers. It reads feature vectors, like {@code torchscript}.
 */
final class DjlSource implements FeatureModelSource {

  private final DjlModel spec;

  DjlSource(DjlModel spec) {
    this.spec = spec;
  }

  @Override
  public String describe() {
    return "djl " + spec.url();
  }

  @Override
  public String kind() {
    return "djl";
  }

  @Override
  public PtSymbolBlock load(NDManager manager) throws BadInputException {
    Path module = resolve();
    try {
      return FeatureModelSource.requireScripted(
          TorchScriptBlock.load(module, manager), "model.url", module);
    } catch (IOException e) {
      throw bad(module + ": " + firstLine(e) + " (expected a TorchScript module)");
    }
  }

  /** Lets DJL resolve and load the model, and finds its TorchScript file. */
  private Path resolve() throws BadInputException {
    String url = spec.url();
    try (ZooModel<NDList, NDList> model = criteria(url).loadModel()) {
      Path dir = model.getModelPath();
      Path named = dir.resolve(model.getName() + ".pt");
      if (Files.isRegularFile(named)) {
        return named;
      }
      try (Stream<Path> files = Files.list(dir)) {
        List<Path> pts = files.filter(p -> p.toString().endsWith(".pt")).toList();
        if (pts.size() == 1) {
          return pts.get(0);
        }
      }
      throw bad(
          "DJL loaded "
              + url
              + ", but "
              + dir
              + " holds no single TorchScript file (NAME.pt); this version fine-tunes TorchScript"
              + " models through djl");
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      throw bad(
          "DJL cannot load "
              + url
              + ": "
              + firstLine(e)
              + (url.startsWith("djl://") || url.startsWith("http")
                  ? " (zoo ids and https URLs need the network)"
                  : ""));
    }
  }

  private Criteria<NDList, NDList> criteria(String url) {
    Criteria.Builder<NDList, NDList> b =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optTranslator(new NoopTranslator())
            .optEngine(spec.engine());
    if (url.contains("://") || url.startsWith("file:")) {
      b.optModelUrls(url);
    } else {
      b.optModelPath(Path.of(url));
    }
    if (spec.name() != null) {
      b.optModelName(spec.name());
    }
    return b.build();
  }

  @Override
  public long[] exampleShape(int featureCount) throws BadInputException {
    if (featureCount < 1) {
      throw bad("the number of feature columns of data.train is not known");
    }
    return new long[] {featureCount};
  }

  @Override
  public String featuresMethod() {
    return spec.featuresMethod();
  }

  private static String firstLine(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.UnknownHostException u) {
        return "cannot reach " + u.getMessage();
      }
    }
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  private static BadInputException bad(String problem) {
    return new BadInputException(List.of("model.url: " + problem));
  }
}
