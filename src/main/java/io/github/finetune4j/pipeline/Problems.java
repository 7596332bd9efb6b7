package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Sentences for {@link BadInputException}s about files: each starts with the file's path. */
final class Problems {

  private Problems() {}

  /**
   * Why a file could not be read, in words (no exception class names).
   *
   * @param file the file
   * @param e what reading it threw
   * @return {@code "<file>: <reason>"}
   */
  static String unreadable(Path file, IOException e) {
    if (e instanceof NoSuchFileException) {
      return file + ": no such file";
    }
    if (e instanceof AccessDeniedException) {
      return file + ": permission denied";
    }
    if (e instanceof CharacterCodingException) {
      return file + ": not UTF-8 text";
    }
    String reason =
        e instanceof FileSystemException fse && fse.getReason() != null
            ? fse.getReason()
            : e.getMessage();
    return file
        + ": cannot be read"
        + (reason == null || reason.isBlank() ? "" : " (" + reason + ")");
  }

  /**
   * Describes a JSON value for a message: {@code "abc"}, {@code 12}, {@code a list}, ...
   *
   * @param node the value, or a missing node
   * @return a short description
   */
  static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    if (node.isNull()) {
      return "JSON null";
    }
    if (node.isTextual()) {
      String s = node.asText();
      return "\"" + (s.length() > 40 ? s.substring(0, 37) + "..." : s) + "\"";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "an object";
    }
    return node.asText();
  }

  /**
   * Reads a JSON file of an export.
   *
   * @param file the file
   * @return its tree (null for an empty file)
   * @throws BadInputException naming the file and, for invalid JSON, the line and column
   */
  static JsonNode readJson(Path file) throws BadInputException {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readAllBytes(file));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
      throw new BadInputException(
          List.of(
              file
                  + ": not valid JSON"
                  + (at == null
                      ? ""
                      : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")));
    } catch (IOException e) {
      throw new BadInputException(List.of(unreadable(file, e)));
    }
  }
}
