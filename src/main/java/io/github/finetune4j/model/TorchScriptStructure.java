package io.github.finetune4j.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The module tree of a TorchScript archive, read from the archive itself (no engine): TorchScript
 * stores every module class as annotated source under {@code code/}, e.g.
 *
 * <pre>
 * class Net(Module):
 *   __parameters__ = []
 *   __buffers__ = []
 *   training : bool
 *   bn1 : __torch__.torch.nn.modules.batchnorm.BatchNorm1d
 *   __annotations__["0"] = __torch__.torch.nn.modules.linear.Linear
 * </pre>
 *
 * and names the root class in the first {@code GLOBAL} opcode of {@code data.pkl}. DJL exposes a
 * scripted module's parameters but not its buffers nor its submodules; this is how Finetune4J
 * learns which submodules keep running statistics (BatchNorm) and which behave differently in
 * training mode (Dropout and anything else that reads {@code self.training}).
 */
public final class TorchScriptStructure {

  /** One submodule: its dotted path ({@code ""} for the root), class and traits. */
  public record Module(
      String path,
      String type,
      List<String> parameters,
      List<String> buffers,
      boolean readsTrainingFlag) {

    /**
     * Whether it keeps running statistics (buffers {@code running_mean} and {@code running_var}).
     *
     * @return true for BatchNorm-like modules
     */
    public boolean keepsStatistics() {
      return buffers.contains("running_mean") && buffers.contains("running_var");
    }

    /**
     * The class name without its package and mangling, e.g. {@code BatchNorm2d}.
     *
     * @return the short name
     */
    public String shortType() {
      return type.substring(type.lastIndexOf('.') + 1);
    }
  }

  private static final Pattern CLASS = Pattern.compile("^class (\\w+)\\(Module\\):\\s*$");
  private static final Pattern ATTR = Pattern.compile("^  (\\w+) : ([\\w.]+)\\s*$");
  private static final Pattern ANNOT =
      Pattern.compile("^  __annotations__\\[\"([^\"]+)\"\\] = ([\\w.]+)\\s*$");
  private static final Pattern LIST =
      Pattern.compile("^  __(parameters|buffers)__ = \\[(.*)\\]\\s*$");

  private final List<Module> modules;

  private TorchScriptStructure(List<Module> modules) {
    this.modules = List.copyOf(modules);
  }

  /**
   * Reads a TorchScript archive (a {@code .pt} file saved by {@code torch.jit.save}; its stored
   * entries carry data descriptors, so it is read through its central directory).
   *
   * @param file the archive
   * @return its module tree, root first, depth first
   * @throws IOException when the archive cannot be read or is not TorchScript
   */
  public static TorchScriptStructure read(Path file) throws IOException {
    Map<String, ClassDef> classes = new HashMap<>();
    String root = null;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (ZipEntry e : Collections.list(zip.entries())) {
        String name = e.getName();
        int code = name.indexOf("/code/");
        if (code >= 0 && name.endsWith(".py")) {
          String module =
              name.substring(code + "/code/".length(), name.length() - 3).replace('/', '.');
          try (InputStream in = zip.getInputStream(e)) {
            parseClasses(module, new String(in.readAllBytes(), StandardCharsets.UTF_8), classes);
          }
        } else if (name.endsWith("/data.pkl") && name.indexOf('/') == name.lastIndexOf('/')) {
          try (InputStream in = zip.getInputStream(e)) {
            root = firstGlobal(in.readAllBytes());
          }
        }
      }
    } catch (ZipException e) {
      throw new IOException("not a TorchScript archive (" + e.getMessage() + ")", e);
    }
    if (root == null || !classes.containsKey(root)) {
      throw new IOException(
          "not a TorchScript archive (no data.pkl naming a scripted module class)");
    }
    List<Module> out = new ArrayList<>();
    walk(root, "", classes, out, 0);
    return new TorchScriptStructure(out);
  }

  /**
   * The BatchNorm and Dropout modules whose code never reads {@code self.training}: a module saved
   * with {@code torch.jit.trace} records the operations of one forward pass, so these layers run in
   * the mode it was traced in (e.g. {@code torch.batch_norm(..., False, ...)}) whatever mode the
   * module is put in. Empty for a scripted module.
   *
   * @return the modules whose training mode is fixed in the archive
   */
  public List<Module> modeFixedByTracing() {
    return modules().stream()
        .filter(m -> !m.readsTrainingFlag())
        .filter(
            m -> m.keepsStatistics() || m.shortType().matches("(Alpha|FeatureAlpha)?Dropout\\d?d?"))
        .toList();
  }

  /**
   * Every module, root first.
   *
   * @return the modules
   */
  public List<Module> modules() {
    return modules;
  }

  /**
   * The modules that keep running statistics.
   *
   * @return BatchNorm-like modules, in order
   */
  public List<Module> statisticsModules() {
    return modules.stream().filter(Module::keepsStatistics).toList();
  }

  /**
   * Modules other than BatchNorm whose behaviour depends on training mode (e.g. Dropout).
   *
   * @return such modules, in order
   */
  public List<Module> modeDependentModules() {
    return modules.stream().filter(m -> m.readsTrainingFlag() && !m.keepsStatistics()).toList();
  }

  /** A scripted class as read from its source: parameters, buffers, typed attributes. */
  private static final class ClassDef {
    final List<String> parameters = new ArrayList<>();
    final List<String> buffers = new ArrayList<>();
    final LinkedHashMap<String, String> attrs = new LinkedHashMap<>();
    boolean readsTraining;
  }

  private static void walk(
      String type, String path, Map<String, ClassDef> classes, List<Module> out, int depth)
      throws IOException {
    if (depth > 64) {
      throw new IOException("TorchScript module tree deeper than 64 levels at " + path);
    }
    ClassDef c = classes.get(type);
    out.add(
        new Module(path, type, List.copyOf(c.parameters), List.copyOf(c.buffers), c.readsTraining));
    for (Map.Entry<String, String> a : c.attrs.entrySet()) {
      if (classes.containsKey(a.getValue())) {
        walk(
            a.getValue(),
            path.isEmpty() ? a.getKey() : path + "." + a.getKey(),
            classes,
            out,
            depth + 1);
      }
    }
  }

  private static void parseClasses(String module, String source, Map<String, ClassDef> out) {
    ClassDef current = null;
    for (String line : source.split("\n")) {
      Matcher m = CLASS.matcher(line);
      if (m.matches()) {
        current = new ClassDef();
        out.put(module + "." + m.group(1), current);
        continue;
      }
      if (current == null) {
        continue;
      }
      if (!line.startsWith("  ") && !line.isBlank()) {
        current = null; // a top-level def or another statement ends the class
        continue;
      }
      Matcher l = LIST.matcher(line);
      Matcher a = ATTR.matcher(line);
      Matcher n = ANNOT.matcher(line);
      if (l.matches()) {
        List<String> into = "parameters".equals(l.group(1)) ? current.parameters : current.buffers;
        for (String item : l.group(2).split(",")) {
          String s = item.strip();
          if (s.length() >= 2) {
            into.add(s.substring(1, s.length() - 1));
          }
        }
      } else if (a.matches()) {
        current.attrs.put(a.group(1), a.group(2));
      } else if (n.matches()) {
        current.attrs.put(n.group(1), n.group(2));
      } else if (line.contains("self.training")) {
        current.readsTraining = true;
      }
    }
  }

  /** The {@code module.name} of the first GLOBAL ('c') opcode of a pickle: the root's class. */
  private static String firstGlobal(byte[] pkl) {
    int i = 0;
    if (pkl.length > 1 && (pkl[0] & 0xff) == 0x80) {
      i = 2; // PROTO n
    }
    if (i < pkl.length && pkl[i] == 'c') {
      int nl1 = indexOf(pkl, (byte) '\n', i + 1);
      int nl2 = nl1 < 0 ? -1 : indexOf(pkl, (byte) '\n', nl1 + 1);
      if (nl2 > 0) {
        String mod = new String(pkl, i + 1, nl1 - i - 1, StandardCharsets.UTF_8);
        String name = new String(pkl, nl1 + 1, nl2 - nl1 - 1, StandardCharsets.UTF_8);
        return mod + "." + name;
      }
    }
    return null;
  }

  private static int indexOf(byte[] a, byte b, int from) {
    for (int i = from; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
