package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sweep ({@code finetune sweep}): every combination of recipes, grid values and seeds is a trial,
 * and each trial is an ordinary deterministic run in its own run directory under {@code
 * DIR/trials/}. Trials run one after another or as parallel child processes (the intra-op threads
 * split between them); a trial whose run directory is complete is not run again, so an interrupted
 * sweep continues where it stopped. The results go into {@code results.csv} (every trial with its
 * {@link Status}), {@code results.md} (mean ± sample std over the completed seeds, failures
 * counted) and {@code results.html}.
 *
 * <p>The sweep owns each trial's {@code train.seed}, {@code output.dir} and {@code
 * output.overwrite}: a grid or common override of them is refused ({@link #ownedKeyProblems}).
 * {@code sweep.json} records the definition and the SHA-256 of each recipe file, so a sweep is
 * never continued with an edited recipe. One sweep at a time writes the directory ({@link
 * SweepLock}), and each trial JVM ends when its sweep is gone ({@link SweepTrial}).
 *
 * <p>The trial contract, for an engine that schedules trials itself (a Kubernetes Indexed Job, Ray,
 * Spark): {@code finetune sweep ... --trial I} runs trial {@code I} alone and ends with its final
 * metrics as {@code name=value} lines; {@code --collect} builds the tables from the trials that are
 * complete.
 *
 * @param recipes the recipe files
 * @param grid the grid: each key with its values, in order
 * @param seeds seeds per grid point: {@code train.seed} is the recipe's seed plus 0, 1, ...
 * @param set overrides applied to every trial
 * @param out the sweep's directory
 */
public record Sweep(
    List<Path> recipes,
    LinkedHashMap<String, List<String>> grid,
    int seeds,
    List<String> set,
    Path out) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The definition file in the sweep's directory. */
  public static final String DEFINITION = "sweep.json";

  /** The most seeds per grid point. */
  public static final int MAX_SEEDS = 1000;

  /** The most trials of one sweep (recipes × grid points × seeds). */
  public static final int MAX_TRIALS = 10_000;

  /** Copies and checks, the number of trials before any is listed. */
  public Sweep {
    recipes = List.copyOf(recipes);
    grid = new LinkedHashMap<>(grid);
    set = List.copyOf(set);
    if (recipes.isEmpty()) {
      throw new IllegalArgumentException("give at least one recipe");
    }
    List<String> owned = ownedKeyProblems(grid.keySet(), set);
    if (!owned.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", owned));
    }
    if (seeds < 1 || seeds > MAX_SEEDS) {
      throw new IllegalArgumentException(
          "--seeds must be between 1 and " + MAX_SEEDS + ", got " + seeds);
    }
    BigInteger points = BigInteger.ONE;
    for (List<String> values : grid.values()) {
      points = points.multiply(BigInteger.valueOf(values.size()));
    }
    BigInteger total =
        points.multiply(BigInteger.valueOf(recipes.size())).multiply(BigInteger.valueOf(seeds));
    if (total.compareTo(BigInteger.valueOf(MAX_TRIALS)) > 0) {
      throw new IllegalArgumentException(
          "the sweep has "
              + total
              + " trials ("
              + count(BigInteger.valueOf(recipes.size()), "recipe")
              + " × "
              + count(points, "grid point")
              + " × "
              + count(BigInteger.valueOf(seeds), "seed")
              + "); at most "
              + MAX_TRIALS
              + " are allowed: give fewer --grid values or --seeds");
    }
  }

  /**
   * The keys a sweep sets for every trial, and what to use instead of them: a grid or common
   * override of one of them would be overridden without a word.
   */
  private static final Map<String, String> OWNED =
      Map.of(
          "train.seed",
          "the sweep sets each trial's seed: use --seeds N for N seeds per grid point (the first"
              + " is the recipe's train.seed, which --set train.seed=S may set)",
          "output.dir",
          "the sweep puts each trial in DIR/trials/NNN: use --out DIR for the sweep's directory",
          "output.overwrite",
          "the sweep sets it for each trial (true: a trial's own unfinished run directory is"
              + " replaced when the sweep runs it again)");

  /**
   * The grid keys and common overrides that set what the sweep sets for each trial ({@code
   * train.seed} in the grid, {@code output.dir}, {@code output.overwrite}, or the whole {@code
   * train} or {@code output} section), each as one sentence naming the key and what to use instead.
   * {@code --set train.seed=S} is allowed: it is the first seed.
   *
   * @param gridKeys the grid's keys
   * @param set the common overrides
   * @return the problems (empty when none)
   */
  public static List<String> ownedKeyProblems(Collection<String> gridKeys, List<String> set) {
    List<String> problems = new ArrayList<>();
    for (String k : gridKeys) {
      owned("--grid", k.strip(), true).ifPresent(problems::add);
    }
    for (String o : set) {
      int eq = o.indexOf('=');
      if (eq > 0) {
        owned("--set", o.substring(0, eq).strip(), false).ifPresent(problems::add);
      }
    }
    return problems;
  }

  private static Optional<String> owned(String option, String key, boolean grid) {
    String why = OWNED.get(key);
    if (key.equals("train.seed") && !grid) {
      return Optional.empty();
    }
    if (why != null) {
      return Optional.of(option + " " + key + ": " + why);
    }
    if (key.equals("output")) {
      return Optional.of(
          option
              + " output: it would replace the whole output section, whose dir and overwrite the"
              + " sweep sets for each trial; set its fields one by one, e.g. --set"
              + " output.formats=[]");
    }
    if (key.equals("train")) {
      return Optional.of(
          option
              + " train: it would replace the whole train section, whose seed the sweep sets for"
              + " each trial; set its fields one by one, e.g. "
              + option
              + " train.threads=2");
    }
    return Optional.empty();
  }

  private static String count(BigInteger n, String what) {
    return n + " " + what + (n.equals(BigInteger.ONE) ? "" : "s");
  }

  /**
   * One trial: a recipe, one value per grid key, a seed offset.
   *
   * @param index its number, from 0
   * @param recipe the recipe file
   * @param values the grid values, by key
   * @param seedOffset added to the recipe's seed
   */
  public record Trial(int index, Path recipe, Map<String, String> values, int seedOffset) {

    /**
     * The trial's directory name, e.g. {@code 003}.
     *
     * @return the name
     */
    public String name() {
      return String.format(Locale.ROOT, "%03d", index);
    }
  }

  /**
   * Parses {@code key=v1,v2,...} grid arguments. The values are YAML, as an override's value is;
   * they are separated by the commas outside a list ({@code [a, b]}), a mapping ({@code {k: v}})
   * and a quoted string ({@code "a, b"}, {@code 'a, b'}), so that such a value is one value.
   *
   * @param args the arguments
   * @return the grid, in argument order
   * @throws IllegalArgumentException naming a malformed argument, or the key and value that opens a
   *     bracket or quote it does not close
   */
  public static LinkedHashMap<String, List<String>> parseGrid(List<String> args) {
    LinkedHashMap<String, List<String>> grid = new LinkedHashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0 || eq == a.length() - 1) {
        throw new IllegalArgumentException(
            "--grid: '" + a + "' is not key=value1,value2,... (e.g. optimizer.lr=1e-4,3e-4)");
      }
      String key = a.substring(0, eq);
      if (grid.containsKey(key)) {
        throw new IllegalArgumentException("--grid: " + key + " is given twice");
      }
      List<String> values = new ArrayList<>();
      for (String v : splitValues(key, a.substring(eq + 1))) {
        if (v.isBlank()) {
          throw new IllegalArgumentException("--grid: " + a + " has an empty value");
        }
        values.add(v.strip());
      }
      grid.put(key, values);
    }
    return grid;
  }

  /**
   * Splits a grid's values at the commas outside YAML flow collections and quoted strings. As in
   * YAML, a bracket or quote opens something only where a value (or, inside a collection, an entry
   * or a mapping's value) starts: {@code it's} and {@code a[1]} are plain text; inside a collection
   * every bracket counts.
   */
  static List<String> splitValues(String key, String text) {
    List<String> out = new ArrayList<>();
    StringBuilder open = new StringBuilder(); // the brackets open, innermost last
    List<Integer> openAt = new ArrayList<>();
    char quote = 0;
    char prev = ','; // the last character that is not blank: a value starts after a comma
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote == '"') {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          quote = 0;
        }
        prev = c;
        continue;
      }
      if (quote == '\'') {
        if (c == '\'') {
          if (i + 1 < text.length() && text.charAt(i + 1) == '\'') {
            i++; // '' is a quote inside a single-quoted string
          } else {
            quote = 0;
          }
        }
        prev = c;
        continue;
      }
      boolean atStart =
          prev == ',' || (open.length() > 0 && (prev == '[' || prev == '{' || prev == ':'));
      if ((c == '"' || c == '\'') && atStart) {
        quote = c;
      } else if ((c == '[' || c == '{') && (atStart || open.length() > 0)) {
        open.append(c);
        openAt.add(i);
      } else if ((c == ']' || c == '}') && open.length() > 0) {
        char o = open.charAt(open.length() - 1);
        if ((o == '[') != (c == ']')) {
          throw badValue(
              key,
              text,
              "closes the "
                  + o
                  + " at column "
                  + (openAt.get(openAt.size() - 1) + 1)
                  + " with "
                  + c);
        }
        open.setLength(open.length() - 1);
        openAt.remove(openAt.size() - 1);
      } else if (c == ',' && open.length() == 0) {
        out.add(text.substring(start, i));
        start = i + 1;
      }
      if (!Character.isWhitespace(c)) {
        prev = c;
      }
    }
    if (quote != 0) {
      throw badValue(key, text, "opens a quote (" + quote + ") that is never closed");
    }
    if (open.length() > 0) {
      throw badValue(
          key, text, "opens a " + open.charAt(open.length() - 1) + " that is never closed");
    }
    out.add(text.substring(start));
    return out;
  }

  private static IllegalArgumentException badValue(String key, String value, String what) {
    return new IllegalArgumentException(
        "--grid: "
            + key
            + ": the value "
            + value
            + " "
            + what
            + "; a value that holds commas is written as a YAML list [a, b], mapping {k: v} or"
            + " quoted string \"a, b\", and the values are separated by the commas outside them");
  }

  /**
   * Every trial, in order: recipes outermost, then the grid (its first key slowest), then seeds.
   *
   * @return the trials
   */
  public List<Trial> trials() {
    List<Map<String, String>> points = new ArrayList<>();
    points.add(new LinkedHashMap<>());
    for (Map.Entry<String, List<String>> e : grid.entrySet()) {
      List<Map<String, String>> next = new ArrayList<>();
      for (Map<String, String> p : points) {
        for (String v : e.getValue()) {
          Map<String, String> q = new LinkedHashMap<>(p);
          q.put(e.getKey(), v);
          next.add(q);
        }
      }
      points = next;
    }
    List<Trial> out = new ArrayList<>();
    for (Path r : recipes) {
      for (Map<String, String> p : points) {
        for (int s = 0; s < seeds; s++) {
          out.add(new Trial(out.size(), r, p, s));
        }
      }
    }
    return out;
  }

  /**
   * The overrides of a trial: no standard export formats (unless {@code --set} or the grid names
   * {@code output.formats}), the common ones, its grid values, its seed, its output directory.
   *
   * @param t the trial
   * @param baseSeed the recipe's own seed
   * @return the overrides
   */
  public List<String> overrides(Trial t, long baseSeed) {
    List<String> o = new ArrayList<>();
    if (set.stream().noneMatch(v -> v.startsWith("output.formats"))
        && t.values().keySet().stream().noneMatch(k -> k.startsWith("output.formats"))) {
      // trials are compared, not shipped: no ONNX, Hugging Face or libs/ copies of every one
      // (`finetune export` the trial you keep); --set output.formats=[...] asks for them
      o.add("output.formats=[]");
    }
    o.addAll(set);
    t.values().forEach((k, v) -> o.add(k + "=" + v));
    o.add("train.seed=" + (baseSeed + t.seedOffset()));
    o.add("output.dir=" + trialDir(t));
    return o;
  }

  /**
   * The run directory of a trial.
   *
   * @param t the trial
   * @return {@code DIR/trials/NNN}
   */
  public Path trialDir(Trial t) {
    return out.resolve("trials").resolve(t.name());
  }

  /**
   * The definition as JSON ({@code sweep.json}).
   *
   * @return the definition
   */
  public ObjectNode definition() {
    ObjectNode d = JSON.createObjectNode();
    ArrayNode r = d.putArray("recipes");
    recipes.forEach(p -> r.add(p.toString()));
    ObjectNode g = d.putObject("grid");
    grid.forEach((k, vs) -> vs.forEach(g.withArray(k)::add));
    d.put("seeds", seeds);
    ArrayNode s = d.putArray("set");
    set.forEach(s::add);
    d.put("trials", trials().size());
    return d;
  }

  /** The definition's fields that record content hashes (not part of the sweep's identity). */
  private static final String RECIPE_SHA256 = "recipe_sha256";

  private static final String OVERRIDES_SHA256 = "overrides_sha256";

  /** How long {@link #prepare} waits while another sweep holds the directory's lock. */
  public static final Duration PREPARE_WAIT = Duration.ofSeconds(10);

  /**
   * The SHA-256 of each recipe file's bytes, in the order of {@link #recipes}.
   *
   * @return lower-case hex digests
   * @throws IOException when a recipe cannot be read
   */
  public List<String> recipeHashes() throws IOException {
    List<String> out = new ArrayList<>();
    for (Path r : recipes) {
      out.add(Manifest.sha256(r));
    }
    return out;
  }

  /**
   * The SHA-256 of the overrides every trial gets, as the lines {@code --set KEY=VALUE} (in order)
   * then {@code --grid KEY=V1,V2} (the values as parsed, joined by commas), each ending in a
   * newline.
   *
   * @return a lower-case hex digest
   */
  public String overridesHash() {
    StringBuilder b = new StringBuilder();
    set.forEach(o -> b.append("--set ").append(o).append('\n'));
    grid.forEach(
        (k, vs) ->
            b.append("--grid ").append(k).append('=').append(String.join(",", vs)).append('\n'));
    return Provenance.sha256Hex(b.toString());
  }

  /**
   * Creates the sweep's directory with its definition, or checks that an existing one holds the
   * same sweep (so an interrupted sweep continues, and another sweep never mixes into it), under
   * the directory's lock (waiting up to {@link #PREPARE_WAIT} for another holder).
   *
   * @return problems (empty when none)
   * @throws IOException when the directory cannot be written
   */
  public List<String> prepare() throws IOException {
    return prepare(new PrintStream(OutputStream.nullOutputStream()));
  }

  /**
   * As {@link #prepare()}, with the notes (a lock taken over, a definition without hashes) on
   * {@code notes}.
   *
   * @param notes where notes go
   * @return problems (empty when none)
   * @throws IOException when the directory cannot be written
   */
  public List<String> prepare(PrintStream notes) throws IOException {
    try (SweepLock lock = open(notes, PREPARE_WAIT)) {
      return List.of();
    } catch (BadInputException e) {
      return e.problems();
    }
  }

  /**
   * Checks the sweep's directory, takes its lock (waiting up to {@code wait} while another sweep
   * holds it), then creates the directory's definition, or checks again under the lock that it
   * holds this sweep with the same recipes. The caller holds the lock until it closes it.
   *
   * <p>A directory is refused when it is a file, holds files and no {@code sweep.json}, holds a
   * damaged or another sweep's {@code sweep.json}, or a recipe's bytes differ from the SHA-256 its
   * {@code sweep.json} recorded; a {@code sweep.json} without hashes (written by an older version)
   * is continued with a note, and the hashes are recorded from then on.
   *
   * @param notes where notes go (a stale lock taken over, a definition without hashes)
   * @param wait how long to wait for another holder of the lock
   * @return the lock
   * @throws BadInputException naming every reason the sweep may not write there
   * @throws IOException when the directory cannot be written
   */
  public SweepLock open(PrintStream notes, Duration wait) throws BadInputException, IOException {
    Inspection first = inspect();
    if (!first.problems().isEmpty()) {
      throw new BadInputException(first.problems());
    }
    Files.createDirectories(out);
    SweepLock lock = SweepLock.acquire(out, notes, wait);
    try {
      Inspection now = inspect(); // again: another sweep may have written it meanwhile
      if (!now.problems().isEmpty()) {
        throw new BadInputException(now.problems());
      }
      if (now.legacy()) {
        List<String> names = recipes.stream().map(Path::toString).toList();
        notes.println(
            "Note: "
                + out.resolve(DEFINITION)
                + " has no recipe hashes (written by an older Finetune4J): whether "
                + String.join(", ", names)
                + " changed since the sweep began cannot be checked; "
                + (names.size() == 1 ? "its hash is" : "their hashes are")
                + " recorded from now on");
      }
      if (now.write()) {
        Files.createDirectories(out.resolve("trials"));
        ObjectNode d = definition();
        ArrayNode h = d.putArray(RECIPE_SHA256);
        now.hashes().forEach(h::add);
        d.put(OVERRIDES_SHA256, overridesHash());
        RunFiles.write(out.resolve(DEFINITION), RecipeReader.toJson(d));
      }
      return lock;
    } catch (BadInputException | IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * What stands in the sweep's way in its directory (read only).
   *
   * @param problems why the sweep may not write there
   * @param write whether the definition is to be written (a new sweep, or hashes to record)
   * @param legacy whether the existing definition has no hashes
   * @param hashes the recipes' hashes now
   */
  private record Inspection(
      List<String> problems, boolean write, boolean legacy, List<String> hashes) {
    static Inspection refused(String problem) {
      return new Inspection(List.of(problem), false, false, List.of());
    }
  }

  private Inspection inspect() throws IOException {
    Path def = out.resolve(DEFINITION);
    if (Files.exists(out) && !Files.isDirectory(out)) {
      return Inspection.refused("--out: " + out + " is not a directory");
    }
    List<String> hashes;
    try {
      hashes = recipeHashes();
    } catch (IOException e) {
      return Inspection.refused("a recipe cannot be read: " + RunDirectory.reason(e));
    }
    if (!Files.isDirectory(out)) {
      return new Inspection(List.of(), true, false, hashes);
    }
    if (Files.exists(def, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(def)) {
      return Inspection.refused(
          "--out: "
              + def
              + " is not a regular file (a directory, link, pipe or device); it is left as it"
              + " is: give another --out");
    }
    if (!Files.isRegularFile(def)) {
      if (holdsOthers(out)) {
        return Inspection.refused(
            "--out: "
                + out
                + " holds files and no "
                + DEFINITION
                + "; a sweep writes only into a new or empty directory, or its own");
      }
      return new Inspection(List.of(), true, false, hashes);
    }
    JsonNode old;
    try {
      old = readDefinition(def);
    } catch (IOException e) {
      return Inspection.refused("--out: " + def + " cannot be read: " + RunDirectory.reason(e));
    }
    String damage = old.isTextual() ? old.asText() : shapeProblems(old, recipes.size());
    if (damage != null) {
      return Inspection.refused(
          "--out: "
              + def
              + " is damaged: "
              + damage
              + "; it is left as it is: give another --out, or put back the "
              + DEFINITION
              + " of that sweep to continue it");
    }
    ObjectNode identity = ((ObjectNode) old).deepCopy();
    identity.remove(RECIPE_SHA256);
    identity.remove(OVERRIDES_SHA256);
    if (!definition().equals(identity)) {
      return Inspection.refused(
          "--out: "
              + out
              + " holds another sweep ("
              + def
              + " differs); give a new --out, or the same recipes, grid, seeds and --set to"
              + " continue that one");
    }
    JsonNode then = old.get(RECIPE_SHA256);
    if (then == null) {
      return new Inspection(List.of(), true, true, hashes);
    }
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < recipes.size(); i++) {
      String was = then.get(i).asText();
      if (!was.equals(hashes.get(i))) {
        problems.add(
            "recipe "
                + recipes.get(i)
                + " changed since the sweep in "
                + out
                + " began (sha256 "
                + was.substring(0, 12)
                + " then, "
                + hashes.get(i).substring(0, 12)
                + " now): its trials would mix two versions of the recipe; give another --out to"
                + " start a new sweep with the recipe as it is now, or put the recipe back as it"
                + " was to continue this one");
      }
    }
    return new Inspection(problems, false, false, hashes);
  }

  /**
   * Whether a directory without a definition holds anything a sweep did not leave there before
   * writing its definition (its lock file, a temporary definition, an empty {@code trials}).
   */
  private static boolean holdsOthers(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        boolean ours =
            n.equals(SweepLock.FILE) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                || (n.equals(DEFINITION + ".tmp") || TEMP_DEFINITION.matcher(n).matches())
                    && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                || n.equals("trials") && isEmptyDirectory(p);
        if (!ours) {
          return true;
        }
      }
    }
    return false;
  }

  /** A temporary definition {@link RunFiles#write} left (only where it could not remove it). */
  private static final Pattern TEMP_DEFINITION =
      Pattern.compile("\\." + Pattern.quote(DEFINITION) + "\\.[0-9a-z]+\\.tmp");

  private static boolean isEmptyDirectory(Path p) throws IOException {
    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (var s = Files.list(p)) {
      return s.findAny().isEmpty();
    }
  }

  /** The largest {@code sweep.json} read (a definition of the largest sweep is far smaller). */
  static final int MAX_DEFINITION_BYTES = 16 << 20;

  private static final ObjectMapper STRICT_JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /**
   * Reads {@code sweep.json}: its tree, or a text node that says how it is damaged (too large, not
   * UTF-8, empty, not JSON, cut short), in words and without the JSON library's own message.
   */
  private static JsonNode readDefinition(Path def) throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(def)) {
      bytes = in.readNBytes(MAX_DEFINITION_BYTES + 1);
    }
    if (bytes.length > MAX_DEFINITION_BYTES) {
      return TextNode.valueOf(
          "it is larger than " + MAX_DEFINITION_BYTES + " bytes, which no sweep's definition is");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer chars = CharBuffer.allocate(bytes.length);
    CoderResult r =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(in, chars, true);
    if (r.isError()) {
      int at = in.position();
      String before = chars.flip().toString();
      int lineStart = before.lastIndexOf('\n') + 1;
      return TextNode.valueOf(
          String.format(
              Locale.ROOT,
              "not UTF-8 (byte 0x%02X at line %d, column %d)",
              bytes[at] & 0xff,
              before.chars().filter(c -> c == '\n').count() + 1,
              before.codePointCount(lineStart, before.length()) + 1));
    }
    String text = chars.flip().toString();
    if (text.isBlank()) {
      return TextNode.valueOf("it is empty");
    }
    try {
      return STRICT_JSON.readTree(text);
    } catch (JsonEOFException e) {
      return TextNode.valueOf("it ends in the middle of its JSON (cut short)");
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      return TextNode.valueOf(
          "not valid JSON"
              + (at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ")"));
    }
  }

  /**
   * What is wrong with the shape of a definition that is JSON: each field that is missing or of the
   * wrong type, or null when none is.
   */
  private static String shapeProblems(JsonNode d, int recipeCount) {
    if (!d.isObject()) {
      return "it must be a JSON object, got " + Problems.describe(d);
    }
    List<String> p = new ArrayList<>();
    String recipes = strings(d.get("recipes"));
    if (recipes != null) {
      p.add("\"recipes\" " + recipes);
    }
    JsonNode grid = d.get("grid");
    if (grid == null) {
      p.add("\"grid\" is missing");
    } else if (!grid.isObject()) {
      p.add("\"grid\" must map each key to a list of strings, got " + Problems.describe(grid));
    } else {
      grid.fields()
          .forEachRemaining(
              e -> {
                String values = strings(e.getValue());
                if (values != null) {
                  p.add("\"grid\": \"" + e.getKey() + "\" " + values);
                }
              });
    }
    for (String n : List.of("seeds", "set", "trials")) {
      JsonNode v = d.get(n);
      if (n.equals("set")) {
        String set = strings(v);
        if (set != null) {
          p.add("\"set\" " + set);
        }
      } else if (v == null) {
        p.add("\"" + n + "\" is missing");
      } else if (!v.canConvertToExactIntegral() || !v.isNumber()) {
        p.add("\"" + n + "\" must be a whole number, got " + Problems.describe(v));
      }
    }
    JsonNode hashes = d.get(RECIPE_SHA256);
    if (hashes != null) {
      String bad = strings(hashes);
      if (bad != null) {
        p.add("\"" + RECIPE_SHA256 + "\" " + bad);
      } else {
        JsonNode r = d.get("recipes");
        int n = r != null && r.isArray() ? r.size() : recipeCount;
        if (hashes.size() != n) {
          p.add(
              "\""
                  + RECIPE_SHA256
                  + "\" must hold one SHA-256 per recipe ("
                  + n
                  + "), got "
                  + hashes.size());
        }
        for (JsonNode h : hashes) {
          if (!SHA256.matcher(h.asText()).matches()) {
            p.add(
                "\""
                    + RECIPE_SHA256
                    + "\" must hold SHA-256 digests (64 hex digits), got "
                    + Problems.describe(h));
            break;
          }
        }
      }
    }
    JsonNode overrides = d.get(OVERRIDES_SHA256);
    if (overrides != null
        && !(overrides.isTextual() && SHA256.matcher(overrides.asText()).matches())) {
      p.add(
          "\""
              + OVERRIDES_SHA256
              + "\" must be a SHA-256 digest (64 hex digits), got "
              + Problems.describe(overrides));
    }
    return p.isEmpty() ? null : String.join("; ", p);
  }

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** Why {@code v} is not a list of strings ("is missing", "must be ..."), or null when it is. */
  private static String strings(JsonNode v) {
    if (v == null) {
      return "is missing";
    }
    if (!v.isArray()) {
      return "must be a list of strings, got " + Problems.describe(v);
    }
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        return "must be a list of strings, got a list holding " + Problems.describe(e);
      }
    }
    return null;
  }

  /**
   * Whether a trial's run directory holds a completed run.
   *
   * @param t the trial
   * @return true when its {@code summary.json} says {@code completed}
   */
  public boolean complete(Trial t) {
    Path s = trialDir(t).resolve("summary.json");
    try {
      return Files.isRegularFile(s)
          && "completed".equals(JSON.readTree(s.toFile()).path("status").asText());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Each recipe's seed, with the common overrides applied.
   *
   * @return the seeds by recipe
   * @throws RecipeException when a recipe does not read
   */
  public Map<Path, Long> baseSeeds() throws RecipeException {
    Map<Path, Long> m = new LinkedHashMap<>();
    for (Path r : recipes) {
      m.put(r, RecipeReader.read(r, set).train().seed());
    }
    return m;
  }

  /**
   * Each recipe's description (its file name when it has none), for the tables.
   *
   * @return the descriptions by recipe
   * @throws RecipeException when a recipe does not read
   */
  public Map<Path, String> descriptions() throws RecipeException {
    Map<Path, String> m = new LinkedHashMap<>();
    for (Path r : recipes) {
      String d = RecipeReader.read(r, set).description();
      m.put(r, d == null ? r.toString() : d);
    }
    return m;
  }

  /**
   * Runs the sweep from Java: takes the directory's lock (another sweep on it is refused), checks
   * or writes its definition, runs the trials that are not complete, {@code parallel} at a time as
   * child JVMs of this one's class path (each with {@code train.threads = cores / parallel} unless
   * {@code set} gives it), then writes the results and releases the lock. Each child watches this
   * JVM and ends when it is gone ({@link SweepTrial}).
   *
   * @param mainClass the class each child runs as {@code MAIN run RECIPE overrides...}: the {@code
   *     finetune} command line, {@code io.github.finetune4j.cli.Main}
   * @param parallel trials at once
   * @param out progress output
   * @return the trials that failed (a trial that another live process runs is not one of them: its
   *     {@link #status} is {@code running})
   * @throws BadInputException when another sweep writes the directory, or it holds another sweep or
   *     another version of a recipe
   * @throws RecipeException when a recipe does not read
   * @throws IOException when a child cannot be started or the results cannot be written
   * @throws InterruptedException when interrupted (the children are stopped)
   */
  public List<Trial> run(String mainClass, int parallel, PrintStream out)
      throws BadInputException, RecipeException, IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (System.getProperty("ai.djl.offline") != null) {
      command.add("-Dai.djl.offline=" + System.getProperty("ai.djl.offline"));
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(SweepTrial.class.getName());
    command.add(Long.toString(ProcessHandle.current().pid()));
    command.add(mainClass);
    Sweep children = this;
    if (parallel > 1 && set.stream().noneMatch(s -> s.startsWith("train.threads="))) {
      List<String> withThreads = new ArrayList<>(set);
      withThreads.add(
          "train.threads=" + Math.max(1, Runtime.getRuntime().availableProcessors() / parallel));
      children = new Sweep(recipes, grid, seeds, withThreads, this.out);
    }
    try (SweepLock lock = open(out, Duration.ZERO)) {
      List<Trial> failed = children.runAll(command, parallel, baseSeeds(), out);
      collect(descriptions());
      return failed;
    }
  }

  /** The system property that bounds the wait for a trial another process runs, in seconds. */
  public static final String WAIT_PROPERTY = "finetune4j.sweep.wait_seconds";

  /** How long a sweep waits for a trial that another live process runs (by default). */
  public static final int DEFAULT_WAIT_SECONDS = 60;

  private static int waitSeconds() {
    try {
      int s = Integer.parseInt(System.getProperty(WAIT_PROPERTY, "" + DEFAULT_WAIT_SECONDS));
      return s < 0 ? DEFAULT_WAIT_SECONDS : s;
    } catch (NumberFormatException e) {
      return DEFAULT_WAIT_SECONDS;
    }
  }

  /**
   * Runs the trials that are not complete, {@code parallel} at a time, each as a child JVM ({@code
   * command} + {@code run RECIPE overrides}), its output in {@code DIR/trials/NNN.log}, which ends
   * with a line saying the child's exit code. A trial whose run directory another live process
   * holds (an earlier sweep's trial that has not ended yet, a scheduler's {@code --trial}) is
   * waited for, up to {@value #DEFAULT_WAIT_SECONDS} s (the system property {@value
   * #WAIT_PROPERTY}), then run if it is not complete; past the wait it is left to that process and
   * is not counted as failed. Call it under the directory's lock ({@link #open}).
   *
   * @param command the child's command line up to the subcommand (java, class path, main class)
   * @param parallel how many at once
   * @param baseSeeds each recipe's own seed
   * @param out progress output
   * @return the trials that failed (exit code not 0, and no other process runs them)
   * @throws IOException when a child cannot be started
   * @throws InterruptedException when interrupted (the children are stopped)
   */
  public List<Trial> runAll(
      List<String> command, int parallel, Map<Path, Long> baseSeeds, PrintStream out)
      throws IOException, InterruptedException {
    ArrayDeque<Trial> todo = new ArrayDeque<>();
    for (Trial t : trials()) {
      if (!complete(t)) {
        todo.add(t);
      }
    }
    int total = trials().size();
    out.printf(
        Locale.ROOT,
        "Sweep: %d trials, %d complete already, %d to run, %d at a time%n",
        total,
        total - todo.size(),
        todo.size(),
        parallel);
    long waitNanos = TimeUnit.SECONDS.toNanos(waitSeconds());
    ActiveRun.beginSweep(this.out, total - todo.size(), total);
    List<Trial> failed = new ArrayList<>();
    List<Process> running = new ArrayList<>();
    List<Trial> runningTrials = new ArrayList<>();
    Map<Trial, Long> waiting = new LinkedHashMap<>(); // trial -> deadline (System.nanoTime)
    Thread stopper = new Thread(() -> running.forEach(Process::destroy));
    Runtime.getRuntime().addShutdownHook(stopper);
    try {
      while (!todo.isEmpty() || !running.isEmpty() || !waiting.isEmpty()) {
        for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
          var w = it.next();
          Trial t = w.getKey();
          String holder = RunDirectory.liveHolder(trialDir(t));
          if (holder == null) {
            it.remove();
            if (complete(t)) {
              out.printf(
                  Locale.ROOT,
                  "trial %s completed by the other process: %s%n",
                  t.name(),
                  headline(trialDir(t)));
            } else {
              todo.addFirst(t);
            }
          } else if (System.nanoTime() - w.getValue() > 0) {
            it.remove();
            out.printf(
                Locale.ROOT,
                "trial %s: another process (%s) still runs it after %d s; it is left to that"
                    + " process%n",
                t.name(),
                holder,
                TimeUnit.NANOSECONDS.toSeconds(waitNanos));
          }
        }
        while (running.size() < parallel && !todo.isEmpty()) {
          Trial t = todo.poll();
          if (complete(t)) {
            continue;
          }
          String holder = RunDirectory.liveHolder(trialDir(t));
          if (holder != null) {
            waiting.put(t, System.nanoTime() + waitNanos);
            out.printf(
                Locale.ROOT,
                "trial %s: another process (%s) is running it; waiting up to %d s for it to end%n",
                t.name(),
                holder,
                TimeUnit.NANOSECONDS.toSeconds(waitNanos));
            continue;
          }
          List<String> cmd = new ArrayList<>(command);
          cmd.add("run");
          cmd.add(t.recipe().toString());
          cmd.addAll(overrides(t, baseSeeds.get(t.recipe())));
          cmd.add("output.overwrite=true"); // only ever its own trial directory
          Process p =
              new ProcessBuilder(cmd)
                  .redirectErrorStream(true)
                  .redirectOutput(logOf(t).toFile())
                  .start();
          running.add(p);
          runningTrials.add(t);
          ActiveRun.trialStarted(t.name(), RunDirectory.partialOf(trialDir(t)));
          out.printf(Locale.ROOT, "trial %s started: %s %s%n", t.name(), t.recipe(), t.values());
        }
        boolean ended = false;
        for (int i = running.size() - 1; i >= 0; i--) {
          Process p = running.get(i);
          if (p.waitFor(50, TimeUnit.MILLISECONDS)) {
            ended = true;
            Trial t = runningTrials.get(i);
            running.remove(i);
            runningTrials.remove(i);
            int code = p.exitValue();
            ActiveRun.trialEnded(t.name(), code == 0);
            Files.writeString(
                logOf(t),
                String.format(Locale.ROOT, ENDED, t.name(), code) + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
            String holder = code == 0 ? null : RunDirectory.liveHolder(trialDir(t));
            if (holder != null) { // another process took its run directory first
              waiting.put(t, System.nanoTime() + waitNanos);
              out.printf(
                  Locale.ROOT,
                  "trial %s: another process (%s) is running it; waiting up to %d s for it to"
                      + " end%n",
                  t.name(),
                  holder,
                  TimeUnit.NANOSECONDS.toSeconds(waitNanos));
              continue;
            }
            if (code != 0) {
              failed.add(t);
            }
            out.printf(
                Locale.ROOT,
                "trial %s %s%n",
                t.name(),
                code == 0
                    ? "done: " + headline(trialDir(t))
                    : "FAILED (exit " + code + "; see " + t.name() + ".log)");
          }
        }
        if (running.isEmpty() && todo.isEmpty() && !waiting.isEmpty() && !ended) {
          Thread.sleep(200);
        }
      }
    } finally {
      ActiveRun.endSweep();
      running.forEach(Process::destroy);
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException e) {
        // shutting down already
      }
    }
    failed.sort(Comparator.comparingInt(Trial::index));
    return failed;
  }

  /** The last line of a trial's log once its child ended: {@code NNN}, the exit code. */
  private static final String ENDED = "finetune sweep: trial %s ended with exit code %d";

  private static final Pattern ENDED_LINE =
      Pattern.compile("finetune sweep: trial \\d+ ended with exit code (-?\\d+)");

  /**
   * The log of a trial the sweep ran: {@code DIR/trials/NNN.log}.
   *
   * @param t the trial
   * @return its log file
   */
  public Path logOf(Trial t) {
    return out.resolve("trials").resolve(t.name() + ".log");
  }

  /**
   * Where a trial stands, read from its files.
   *
   * @param state {@code completed}, {@code failed}, {@code interrupted} (its run stopped before it
   *     ended: a killed sweep or trial), {@code running} (another live process holds its run
   *     directory) or {@code not run}
   * @param reason why it is not completed, in one short line (empty when it is)
   * @param holder the process that runs it ({@code pid N, started T}), or null
   */
  public record Status(String state, String reason, String holder) {}

  /** The longest reason in the tables. */
  static final int MAX_REASON = 160;

  /**
   * Where a trial stands: completed; running (another live process holds its run directory); failed
   * (the sweep saw its child end with an exit code other than 0 — the reason is the first line of
   * the child's own error — or its run ended failed in {@code NNN.failed}); interrupted (its {@code
   * NNN.partial} was left by a process that is no longer running); or not run.
   *
   * @param t the trial
   * @return its status
   */
  public Status status(Trial t) {
    Path dir = trialDir(t);
    if (complete(t)) {
      return new Status("completed", "", null);
    }
    String holder = RunDirectory.liveHolder(dir);
    if (holder != null) {
      return new Status("running", "another process is running it (" + holder + ")", holder);
    }
    String fromLog = logFailure(logOf(t));
    if (fromLog != null) {
      return new Status("failed", fromLog, null);
    }
    Path partial = RunDirectory.partialOf(dir);
    if (RunDirectory.isRun(partial)) {
      return new Status(
          "interrupted",
          "its run stopped before it ended (the sweep or the trial was killed); the sweep runs it"
              + " again",
          null);
    }
    Path failed = RunDirectory.failedOf(dir).resolve("summary.json");
    if (Files.isRegularFile(failed, LinkOption.NOFOLLOW_LINKS)) {
      try {
        JsonNode s = JSON.readTree(failed.toFile());
        if (s != null && s.path("failure").isTextual()) {
          return new Status("failed", shorten("the run failed " + s.get("failure").asText()), null);
        }
      } catch (IOException e) {
        // no reason to give
      }
      return new Status("failed", "its run failed; see " + RunDirectory.failedOf(dir), null);
    }
    return new Status("not run", "", null);
  }

  /**
   * The failure a trial's log ends with: null unless the log's last line says the child ended with
   * an exit code other than 0; then the child's own error line ({@code finetune: ...}), shortened,
   * or the exit code.
   */
  private static String logFailure(Path log) {
    List<String> lines;
    try {
      if (!Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
      lines = tail(log);
    } catch (IOException e) {
      return null;
    }
    int last = lines.size() - 1;
    while (last >= 0 && lines.get(last).isBlank()) {
      last--;
    }
    if (last < 0) {
      return null;
    }
    Matcher m = ENDED_LINE.matcher(lines.get(last).strip());
    if (!m.matches() || m.group(1).equals("0")) {
      return null;
    }
    for (int i = last - 1; i >= 0; i--) {
      String l = lines.get(i);
      if (l.startsWith("finetune: ")) {
        String why = l.substring("finetune: ".length()).strip();
        if (why.endsWith(":") && i + 1 < last && lines.get(i + 1).strip().startsWith("- ")) {
          why = why + " " + lines.get(i + 1).strip().substring(2);
        }
        return shorten(why);
      }
    }
    return "exit code " + m.group(1) + "; see " + log.getFileName();
  }

  /** The last 64 KiB of a file, as lines (a torn first line dropped). */
  private static List<String> tail(Path file) throws IOException {
    try (var ch = FileChannel.open(file)) {
      long size = ch.size();
      int n = (int) Math.min(size, 64 * 1024);
      ByteBuffer b = ByteBuffer.allocate(n);
      while (b.hasRemaining() && ch.read(b, size - n + b.position()) > 0) {
        // until n bytes are read
      }
      String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(text.lines().toList());
      if (size > n && !lines.isEmpty()) {
        lines.remove(0);
      }
      return lines;
    }
  }

  /**
   * A reason in one short line: up to its first {@code "; "}, control characters as {@code ?}, at
   * most {@link #MAX_REASON} characters.
   */
  static String shorten(String reason) {
    String r = reason.strip();
    int semi = r.indexOf("; ");
    if (semi > 0) {
      r = r.substring(0, semi);
    }
    if (r.endsWith(".")) {
      r = r.substring(0, r.length() - 1);
    }
    StringBuilder b = new StringBuilder();
    r.codePoints()
        .forEach(
            c ->
                b.appendCodePoint(
                    Character.isISOControl(c)
                            || Character.getType(c) == Character.FORMAT
                            || c == 0x2028
                            || c == 0x2029
                        ? '?'
                        : c));
    r = b.toString();
    if (r.length() <= MAX_REASON) {
      return r;
    }
    int cut = MAX_REASON - 1;
    if (Character.isHighSurrogate(r.charAt(cut - 1))) {
      cut--;
    }
    return r.substring(0, cut) + "…";
  }

  private static String headline(Path dir) {
    try {
      JsonNode s = JSON.readTree(dir.resolve("summary.json").toFile());
      JsonNode value = s.path("headline").path("value");
      return value.isNumber()
          ? String.format(
              Locale.ROOT,
              "test_%s=%.4f",
              s.path("headline").path("metric").asText(),
              value.asDouble())
          : String.format(Locale.ROOT, "test_loss=%.4f", s.path("test_loss").asDouble(Double.NaN));
    } catch (IOException e) {
      return "no summary";
    }
  }

  /**
   * A trial's final metrics as {@code name=value} lines: the trial, its grid values and seed, and
   * every number of its {@code summary.json} test metrics plus the test loss and wall time.
   *
   * @param t the trial
   * @param summary its summary
   * @param seed its seed
   * @return the lines
   */
  public static List<String> metricLines(Trial t, JsonNode summary, long seed) {
    List<String> lines = new ArrayList<>();
    lines.add("trial=" + t.name());
    lines.add("recipe=" + t.recipe());
    t.values().forEach((k, v) -> lines.add(k + "=" + v));
    lines.add("seed=" + seed);
    lines.add("status=" + summary.path("status").asText());
    if (summary.path("test_accuracy").isNumber()) {
      lines.add("test_accuracy=" + summary.get("test_accuracy").asDouble());
    }
    if (summary.path("test_loss").isNumber()) {
      lines.add("test_loss=" + summary.get("test_loss").asDouble());
    }
    summary
        .path("test_metrics")
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isNumber() && !e.getKey().contains("/")) {
                lines.add("test_" + e.getKey() + "=" + e.getValue().asDouble());
              }
            });
    if (summary.path("wall_seconds").isNumber()) {
      lines.add("wall_seconds=" + summary.get("wall_seconds").asDouble());
    }
    return lines;
  }

  /**
   * Writes {@code results.csv} (every trial, with its status and, when it is not completed, the
   * reason), {@code results.md} and {@code results.html} (mean ± std over the completed trials of
   * each configuration, how many failed, and a list of the trials that are not in the means).
   *
   * @param descriptions each recipe's description, for the tables
   * @return how many trials were collected (completed)
   * @throws IOException when writing fails
   */
  public int collect(Map<Path, String> descriptions) throws IOException {
    List<String> keys = new ArrayList<>(grid.keySet());
    // the tables' metric: the tasks' headline (accuracy, rmse, micro_f1), as the first complete
    // trial's summary names it; the test loss when no trial has one
    String headline = null;
    for (Trial t : trials()) {
      if (complete(t)) {
        JsonNode h = JSON.readTree(trialDir(t).resolve("summary.json").toFile()).path("headline");
        headline = h.path("metric").isTextual() ? h.path("metric").asText() : null;
        break;
      }
    }
    Map<Path, Long> baseSeeds;
    try {
      baseSeeds = baseSeeds();
    } catch (RecipeException e) {
      baseSeeds = Map.of(); // the seeds of trials without a summary are left blank
    }
    String column = headline == null ? "accuracy" : headline;
    StringBuilder csv = new StringBuilder("trial,recipe");
    keys.forEach(k -> csv.append(',').append(csvField(k)));
    csv.append(",seed,status,test_").append(column).append(",test_loss,wall_seconds,reason\n");
    // cell: recipe + grid values -> accuracies (or losses) and wall times
    Map<String, List<double[]>> cells = new LinkedHashMap<>();
    Map<String, Trial> cellTrial = new LinkedHashMap<>();
    Map<String, Integer> cellFailed = new LinkedHashMap<>();
    List<String> left = new ArrayList<>(); // the trials that are not in the means
    int n = 0;
    for (Trial t : trials()) {
      String cell = t.recipe() + " " + t.values();
      cellTrial.putIfAbsent(cell, t);
      cells.putIfAbsent(cell, new ArrayList<>());
      cellFailed.putIfAbsent(cell, 0);
      Status st = status(t);
      csv.append(t.name()).append(',').append(csvField(t.recipe().toString()));
      keys.forEach(k -> csv.append(',').append(csvField(t.values().get(k))));
      if (!st.state().equals("completed")) {
        Long base = baseSeeds.get(t.recipe());
        String seed = base == null ? "" : Long.toString(base + t.seedOffset());
        csv.append(',')
            .append(seed)
            .append(',')
            .append(st.state())
            .append(",,,,")
            .append(csvField(st.reason()))
            .append('\n');
        if (st.state().equals("failed") || st.state().equals("interrupted")) {
          cellFailed.merge(cell, 1, Integer::sum);
        }
        StringBuilder what = new StringBuilder();
        if (recipes.size() > 1) {
          what.append("recipe ").append(t.recipe()).append(", ");
        }
        t.values().forEach((k, v) -> what.append(k).append('=').append(v).append(", "));
        what.append(seed.isEmpty() ? "seed ?" : "seed " + seed);
        left.add(
            "- "
                + t.name()
                + " ("
                + what
                + "): "
                + st.state()
                + (st.reason().isEmpty() ? "" : ": " + st.reason()));
        continue;
      }
      JsonNode s = JSON.readTree(trialDir(t).resolve("summary.json").toFile());
      n++;
      double acc =
          column.equals(s.path("headline").path("metric").asText())
              ? s.path("headline").path("value").asDouble(Double.NaN)
              : Double.NaN;
      double loss = s.path("test_loss").asDouble(Double.NaN);
      double wall = s.path("wall_seconds").asDouble(Double.NaN);
      csv.append(',')
          .append(s.path("seed").asLong())
          .append(',')
          .append(s.path("status").asText())
          .append(',')
          .append(num(acc))
          .append(',')
          .append(num(loss))
          .append(',')
          .append(num(wall))
          .append(",\n");
      cells.get(cell).add(new double[] {Double.isNaN(acc) ? loss : acc, wall});
    }
    String metric = headline != null ? "test " + headline.replace('_', ' ') : "test loss";
    StringBuilder md = new StringBuilder();
    md.append("| recipe");
    keys.forEach(k -> md.append(" | ").append(k));
    md.append(" | ")
        .append(metric)
        .append(" (mean ± std) | seeds | failed | wall s (median) |\n|---");
    keys.forEach(k -> md.append("|---"));
    md.append("|---|---|---|---|\n");
    List<String[]> chart = new ArrayList<>();
    for (Map.Entry<String, List<double[]>> e : cells.entrySet()) {
      Trial t = cellTrial.get(e.getKey());
      List<double[]> v = e.getValue();
      String label = descriptions.getOrDefault(t.recipe(), t.recipe().toString());
      md.append("| ").append(label);
      keys.forEach(k -> md.append(" | ").append(t.values().get(k)));
      md.append(" | ")
          .append(v.isEmpty() ? "-" : meanStd(v))
          .append(" | ")
          .append(v.size())
          .append(" | ")
          .append(cellFailed.get(e.getKey()))
          .append(" | ")
          .append(v.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f", medianWall(v)))
          .append(" |\n");
      if (!v.isEmpty()) {
        chart.add(new String[] {shortLabel(t), Double.toString(mean(v)), Double.toString(std(v))});
      }
    }
    if (!left.isEmpty()) {
      md.append('\n')
          .append(left.size())
          .append(" of ")
          .append(trials().size())
          .append(" trials are not in the means:\n");
      left.forEach(l -> md.append(l).append('\n'));
    }
    if (keys.size() == 1 && recipes.size() > 1) {
      md.append('\n').append(pivot(keys.get(0), cells, cellFailed, descriptions, metric));
    }
    write(out.resolve("results.csv"), csv.toString());
    write(out.resolve("results.md"), md.toString());
    write(out.resolve("results.html"), html(chart, metric, md.toString()));
    return n;
  }

  /** Recipes as rows, the one grid key's values as columns. */
  private String pivot(
      String key,
      Map<String, List<double[]>> cells,
      Map<String, Integer> failed,
      Map<Path, String> descriptions,
      String metric) {
    List<String> values = grid.get(key);
    StringBuilder b = new StringBuilder("| recipe \\ " + key);
    values.forEach(v -> b.append(" | ").append(v));
    b.append(" |\n|---");
    values.forEach(v -> b.append("|---"));
    b.append("|\n");
    for (Path r : recipes) {
      b.append("| ").append(descriptions.getOrDefault(r, r.toString()));
      for (String v : values) {
        String cell = r + " " + Map.of(key, v);
        List<double[]> c = cells.get(cell);
        int f = failed.getOrDefault(cell, 0);
        b.append(" | ")
            .append(
                c == null || c.isEmpty()
                    ? "-"
                    : meanStd(c) + String.format(Locale.ROOT, " (%.0f s)", medianWall(c)))
            .append(f == 0 ? "" : " [" + f + " failed]");
      }
      b.append(" |\n");
    }
    return b.append("\n")
        .append(metric)
        .append(", mean ± std over the completed seeds (median wall time)\n")
        .toString();
  }

  /**
   * The chart's label of a cell: the recipe file without its folder {@code recipes/} and its
   * extension, and each grid value by the last part of its key, e.g. {@code vision/gradual
   * limit=20}.
   */
  private static String shortLabel(Trial t) {
    String r = t.recipe().toString().replace('\\', '/');
    r = r.startsWith("recipes/") ? r.substring("recipes/".length()) : r;
    r = r.replaceAll("\\.(ya?ml|json)$", "");
    StringBuilder b = new StringBuilder(r);
    t.values()
        .forEach(
            (k, v) ->
                b.append(' ').append(k.substring(k.lastIndexOf('.') + 1)).append('=').append(v));
    return b.toString();
  }

  private static String meanStd(List<double[]> v) {
    return v.size() == 1
        ? String.format(Locale.ROOT, "%.3f", mean(v))
        : String.format(Locale.ROOT, "%.3f ± %.3f", mean(v), std(v));
  }

  static double mean(List<double[]> v) {
    double s = 0;
    for (double[] x : v) {
      s += x[0];
    }
    return s / v.size();
  }

  /** The sample standard deviation (n − 1), 0 for one value. */
  static double std(List<double[]> v) {
    if (v.size() < 2) {
      return 0;
    }
    double m = mean(v);
    double s = 0;
    for (double[] x : v) {
      s += (x[0] - m) * (x[0] - m);
    }
    return Math.sqrt(s / (v.size() - 1));
  }

  private static double medianWall(List<double[]> v) {
    double[] w = v.stream().mapToDouble(x -> x[1]).sorted().toArray();
    return w.length % 2 == 1 ? w[w.length / 2] : (w[w.length / 2 - 1] + w[w.length / 2]) / 2;
  }

  private static String num(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "";
  }

  private static String csvField(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n")
        ? "\"" + s.replace("\"", "\"\"") + "\""
        : s;
  }

  private static void write(Path file, String text) throws IOException {
    RunFiles.write(file, text);
  }

  /** A bar per cell (mean, with a ± std whisker), and the Markdown table as text. */
  private static String html(List<String[]> bars, String metric, String table) {
    int w = 760;
    int rowH = 22;
    int left = 300;
    double max = 0;
    for (String[] b : bars) {
      max = Math.max(max, Double.parseDouble(b[1]) + Double.parseDouble(b[2]));
    }
    max = max <= 0 ? 1 : max;
    StringBuilder svg =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d'>",
                w,
                bars.size() * rowH + 30));
    for (int i = 0; i < bars.size(); i++) {
      double m = Double.parseDouble(bars.get(i)[1]);
      double s = Double.parseDouble(bars.get(i)[2]);
      double scale = (w - left - 80) / max;
      int y = 10 + i * rowH;
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x='%d' y='%d' font-size='11' text-anchor='end'>%s</text>"
                  + "<rect x='%d' y='%d' width='%.1f' height='14' fill='#1f77b4'/>"
                  + "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#000'/>"
                  + "<text x='%.1f' y='%d' font-size='11'>%.3f</text>",
              left - 6,
              y + 11,
              escape(bars.get(i)[0]),
              left,
              y,
              m * scale,
              left + (m - s) * scale,
              y + 7,
              left + (m + s) * scale,
              y + 7,
              left + (m + s) * scale + 6,
              y + 11,
              m));
    }
    svg.append("</svg>");
    return "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Sweep results"
        + "</title><style>body{font-family:sans-serif;margin:2em}</style></head><body>"
        + "<h1>Sweep results</h1><p>"
        + escape(metric)
        + ", mean with a ± std whisker over seeds</p>"
        + svg
        + "<pre>"
        + escape(table)
        + "</pre></body></html>\n";
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
