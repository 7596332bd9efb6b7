package io.github.finetune4j.recipe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Parses recipe text (YAML or JSON) into a tree, strictly: a key given twice, a second document,
 * anchors, aliases, explicit tags and nesting deeper than {@link #MAX_DEPTH} levels are refused,
 * each with the key path and line. Plain YAML scalars resolve as in YAML 1.1 (as Jackson's YAML
 * reader resolves them), except that {@code .nan} and {@code .inf} stay text, so that the field
 * check reports them as not finite.
 */
final class RecipeSyntax {

  /** The deepest nesting of mappings and lists a recipe may have. */
  static final int MAX_DEPTH = 64;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final JsonFactory JSON = new JsonFactory();
  private static final Resolver RESOLVER = new Resolver();
  private static final String STANDARD_TAG = "tag:yaml.org,2002:";

  private RecipeSyntax() {}

  /** Text that is not valid YAML or JSON at all, with where the parser stopped (1-based). */
  static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;

    /** The line, or 0 when unknown. */
    final int line;

    /** The column, or 0 when unknown. */
    final int column;

    /** What is wrong, one line, in the parser's words. */
    final String reason;

    SyntaxError(int line, int column, String reason) {
      super(reason);
      this.line = line;
      this.column = column;
      this.reason = reason;
    }

    /** Returns " (line L, column C)", or "" when the position is unknown. */
    String where() {
      return line <= 0 ? "" : " (line " + line + ", column " + column + ")";
    }
  }

  /**
   * Parses one YAML document.
   *
   * @param text the text
   * @param origin what the text is, the start of every message (a file name, or "override 'k'")
   * @param lines whether messages give line numbers (not for one-line override values)
   * @return the tree, or null when the text holds no document or an empty one
   * @throws SyntaxError when the text is not YAML
   * @throws RecipeException listing every construct a recipe must not use
   */
  static JsonNode yaml(String text, String origin, boolean lines)
      throws SyntaxError, RecipeException {
    YamlBuilder b = new YamlBuilder(origin, lines);
    try {
      for (Event e : new Yaml(new LoaderOptions()).parse(new StringReader(text))) {
        if (!b.accept(e)) {
          break;
        }
      }
    } catch (MarkedYAMLException e) {
      throw yamlError(e, lines);
    } catch (ReaderException e) {
      throw new SyntaxError(
          0,
          0,
          String.format(
              "it contains a character YAML does not allow (U+%04X at character %d)",
              e.getCodePoint(), e.getPosition() + 1));
    } catch (YAMLException e) {
      throw new SyntaxError(0, 0, clean(e.getMessage()));
    }
    if (!b.problems.isEmpty()) {
      throw new RecipeException(b.problems);
    }
    return b.root;
  }

  /**
   * Parses one JSON value.
   *
   * @param text the text
   * @param origin the file name, the start of every message
   * @return the tree, or null when the text is empty
   * @throws SyntaxError when the text is not JSON
   * @throws RecipeException listing every key given twice, content after the value, or too deep
   *     nesting
   */
  static JsonNode json(String text, String origin) throws SyntaxError, RecipeException {
    List<String> problems = new ArrayList<>();
    JsonParser p = null;
    JsonNode root;
    try {
      p = JSON.createParser(text);
      if (p.nextToken() == null) {
        return null;
      }
      root = jsonValue(p, "", 1, origin, problems);
      if (root != null && p.nextToken() != null) {
        problems.add(
            origin
                + ": more content follows the recipe at line "
                + p.currentTokenLocation().getLineNr()
                + "; a recipe is a single JSON object");
      }
    } catch (JsonProcessingException e) {
      // A limit of the parser (e.g. a 2000-digit number) comes without a location: use the
      // parser's.
      JsonLocation at =
          e.getLocation() != null || p == null ? e.getLocation() : p.currentLocation();
      throw new SyntaxError(
          at == null ? 0 : at.getLineNr(),
          at == null ? 0 : at.getColumnNr(),
          clean(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new SyntaxError(0, 0, clean(e.getMessage()));
    } finally {
      closeQuietly(p);
    }
    if (!problems.isEmpty()) {
      throw new RecipeException(problems);
    }
    return root;
  }

  private static void closeQuietly(JsonParser p) {
    try {
      if (p != null) {
        p.close();
      }
    } catch (IOException e) {
      // reading a string: nothing to release
    }
  }

  /** Reads the value at the current token; null when reading stopped on a problem. */
  private static JsonNode jsonValue(
      JsonParser p, String path, int depth, String origin, List<String> problems)
      throws IOException {
    JsonToken t = p.currentToken();
    if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && depth > MAX_DEPTH) {
      problems.add(
          origin
              + ": nested deeper than "
              + MAX_DEPTH
              + " levels (line "
              + p.currentTokenLocation().getLineNr()
              + ")");
      return null;
    }
    switch (t) {
      case START_OBJECT -> {
        ObjectNode obj = NODES.objectNode();
        Map<String, Integer> keyLines = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          int line = p.currentTokenLocation().getLineNr();
          Integer first = keyLines.putIfAbsent(key, line);
          if (first != null) {
            problems.add(twice(origin, RecipeModel.join(path, key), first, line, true));
          }
          p.nextToken();
          JsonNode v = jsonValue(p, RecipeModel.join(path, key), depth + 1, origin, problems);
          if (v == null) {
            return null;
          }
          obj.set(key, v);
        }
        return obj;
      }
      case START_ARRAY -> {
        ArrayNode arr = NODES.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          JsonNode v = jsonValue(p, path + "[" + arr.size() + "]", depth + 1, origin, problems);
          if (v == null) {
            return null;
          }
          arr.add(v);
        }
        return arr;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      default -> {
        return NODES.nullNode();
      }
    }
  }

  /** Builds the tree from parser events, collecting problems; stops at the first fatal one. */
  private static final class YamlBuilder {
    private final String origin;
    private final boolean lines;
    private final List<String> problems = new ArrayList<>();
    private final Deque<Frame> stack = new ArrayDeque<>();
    private JsonNode root;
    private int documents;

    YamlBuilder(String origin, boolean lines) {
      this.origin = origin;
      this.lines = lines;
    }

    /** An open mapping or list. */
    private static final class Frame {
      final JsonNode node;
      final String path;
      final Map<String, Integer> keyLines = new HashMap<>();
      String key; // the key whose value comes next; null when a key comes next

      Frame(JsonNode node, String path) {
        this.node = node;
        this.path = path;
      }
    }

    /** Takes one event; returns false when reading must stop. */
    boolean accept(Event e) {
      int line = line(e.getStartMark());
      if (e instanceof DocumentStartEvent) {
        if (++documents > 1) {
          problems.add(
              origin
                  + ": a second YAML document starts"
                  + (lines ? " at line " + line : "")
                  + "; a recipe must be a single document");
          return false;
        }
        return true;
      }
      if (e instanceof CollectionEndEvent) {
        stack.pop();
        return true;
      }
      if (!(e instanceof NodeEvent node)) {
        return true; // stream start and end, document end
      }
      Frame parent = stack.peek();
      boolean isKey = parent != null && parent.node.isObject() && parent.key == null;
      String path =
          parent == null
              ? ""
              : parent.node.isObject()
                  ? (isKey ? parent.path : RecipeModel.join(parent.path, parent.key))
                  : parent.path + "[" + parent.node.size() + "]";
      if (node.getAnchor() != null && !(e instanceof AliasEvent)) {
        problems.add(
            at(path, line)
                + "anchors and aliases are not supported in recipes; remove the anchor '&"
                + node.getAnchor()
                + "' and write the value out where it is used");
      }
      String tag =
          e instanceof ScalarEvent s
              ? s.getTag()
              : e instanceof CollectionStartEvent c ? c.getTag() : null;
      if (tag != null) {
        problems.add(
            at(path, line)
                + "explicit tags such as '"
                + showTag(tag)
                + "' are not supported in recipes; remove the tag");
      }
      if (e instanceof AliasEvent) {
        problems.add(
            at(path, line)
                + "anchors and aliases are not supported in recipes; write the value out instead"
                + " of '*"
                + node.getAnchor()
                + "'");
        if (isKey) {
          parent.key = "*" + node.getAnchor();
        } else {
          attach(parent, NODES.nullNode());
        }
        return true;
      }
      if (isKey) {
        if (!(e instanceof ScalarEvent s)) {
          problems.add(at(path, line) + "a key must be a name, not a list or mapping");
          return false;
        }
        String key = s.getValue();
        Integer first = parent.keyLines.putIfAbsent(key, line);
        if (first != null) {
          problems.add(twice(origin, RecipeModel.join(parent.path, key), first, line, lines));
        }
        parent.key = key;
        return true;
      }
      if (e instanceof ScalarEvent s) {
        attach(parent, scalar(s));
        return true;
      }
      if (stack.size() >= MAX_DEPTH) {
        problems.add(
            origin
                + ": nested deeper than "
                + MAX_DEPTH
                + " levels"
                + (lines ? " (line " + line + ")" : ""));
        return false;
      }
      JsonNode container = e instanceof MappingStartEvent ? NODES.objectNode() : NODES.arrayNode();
      attach(parent, container);
      stack.push(new Frame(container, path));
      return true;
    }

    private void attach(Frame parent, JsonNode value) {
      if (parent == null) {
        root = value;
      } else if (parent.node instanceof ObjectNode obj) {
        obj.set(parent.key, value);
        parent.key = null;
      } else {
        ((ArrayNode) parent.node).add(value);
      }
    }

    /** The start of a message about the value at {@code path}: "file: path (line N): ". */
    private String at(String path, int line) {
      if (path.isEmpty()) {
        return origin + ": " + (lines ? "line " + line + ": " : "");
      }
      return origin + ": " + path + (lines ? " (line " + line + ")" : "") + ": ";
    }
  }

  private static String twice(String origin, String path, int first, int second, boolean lines) {
    return origin
        + ": key '"
        + path
        + "' appears twice"
        + (lines ? " (lines " + first + " and " + second + ")" : "");
  }

  /** A plain scalar resolved as in YAML 1.1; quoted and block scalars are text. */
  private static JsonNode scalar(ScalarEvent s) {
    String v = s.getValue();
    if (!s.isPlain()) {
      return NODES.textNode(v);
    }
    Tag tag = RESOLVER.resolve(NodeId.scalar, v, s.getImplicit().canOmitTagInPlainScalar());
    if (Tag.NULL.equals(tag)) {
      return NODES.nullNode();
    } else if (Tag.BOOL.equals(tag)) {
      String b = v.toLowerCase(Locale.ROOT);
      return NODES.booleanNode(b.equals("true") || b.equals("yes") || b.equals("on"));
    } else if (Tag.INT.equals(tag)) {
      BigInteger i = integer(v);
      if (i == null) {
        return NODES.textNode(v);
      } else if (i.bitLength() < 32) {
        return NODES.numberNode(i.intValue());
      } else if (i.bitLength() < 64) {
        return NODES.numberNode(i.longValue());
      }
      return NODES.numberNode(i);
    } else if (Tag.FLOAT.equals(tag)) {
      String t = v.replace("_", "");
      if (t.contains(":")
          || t.contains("inf")
          || t.contains("Inf")
          || t.contains("INF")
          || t.contains("nan")
          || t.contains("NaN")
          || t.contains("NAN")) {
        return NODES.textNode(v); // sexagesimal, .inf and .nan: the field check reports them
      }
      try {
        return NODES.numberNode(Double.parseDouble(t));
      } catch (NumberFormatException e) {
        return NODES.textNode(v);
      }
    }
    return NODES.textNode(v);
  }

  /** A YAML 1.1 integer (decimal, 0x hex, 0b binary, 0 octal, underscores); null if other. */
  private static BigInteger integer(String v) {
    String t = v.replace("_", "");
    boolean negative = t.startsWith("-");
    if (t.startsWith("-") || t.startsWith("+")) {
      t = t.substring(1);
    }
    BigInteger i;
    try {
      if (t.contains(":")) {
        return null; // sexagesimal
      } else if (t.startsWith("0x")) {
        i = new BigInteger(t.substring(2), 16);
      } else if (t.startsWith("0b")) {
        i = new BigInteger(t.substring(2), 2);
      } else if (t.length() > 1 && t.startsWith("0")) {
        i = new BigInteger(t.substring(1), 8);
      } else {
        i = new BigInteger(t);
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return negative ? i.negate() : i;
  }

  private static SyntaxError yamlError(MarkedYAMLException e, boolean lines) {
    Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
    String problem = clean(e.getProblem());
    String reason = problem;
    if (e.getContext() != null) {
      Mark c = e.getContextMark();
      reason =
          clean(e.getContext())
              + (c == null || !lines ? "" : " (from line " + line(c) + ")")
              + (problem.isEmpty() ? "" : ": " + problem);
    }
    return new SyntaxError(line(m), m == null ? 0 : m.getColumn() + 1, reason);
  }

  private static int line(Mark m) {
    return m == null ? 0 : m.getLine() + 1;
  }

  private static String showTag(String tag) {
    return tag.startsWith(STANDARD_TAG) ? "!!" + tag.substring(STANDARD_TAG.length()) : tag;
  }

  /**
   * A parser message on one line, without source excerpts and without the parser's own names:
   * Jackson appends where a construct started as "[Source: ...; line: L, column: C]", names its
   * limits as "from `StreamReadConstraints...`" and its options as "enable `Feature...`".
   */
  static String clean(String message) {
    if (message == null) {
      return "";
    }
    String one =
        String.join(
            "; ",
            message
                .lines()
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .toList());
    return one.replaceAll(
            "\\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]", "line $1, column $2")
        .replaceAll(": enable `[^`]*` to allow", ", which JSON does not allow")
        .replaceAll(" \\(not recognized as one since Feature '\\w+' not enabled[^)]*\\)", "")
        .replaceAll(",? ?from `[^`]*`", "")
        .replaceAll("`[^`]*`", "")
        .trim();
  }
}
