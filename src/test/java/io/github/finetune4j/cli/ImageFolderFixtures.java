package io.github.finetune4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Broken image folders made from the real 8x8 digits: a class without its sub-folder, a sub-folder
 * that is no class, an empty class, a corrupt image, and a file where a folder should be.
 */
final class ImageFolderFixtures {

  private ImageFolderFixtures() {}

  static void write(Path root) throws IOException {
    Path source = Path.of("data/digits-images/train");
    for (String name : List.of("missing-class", "extra-class", "empty-class", "corrupt")) {
      for (int d = 0; d <= 9; d++) {
        if (name.equals("missing-class") && d == 9) {
          continue;
        }
        Path to = Files.createDirectories(root.resolve(name).resolve(String.valueOf(d)));
        if (name.equals("empty-class") && d == 9) {
          continue;
        }
        try (Stream<Path> s = Files.list(source.resolve(String.valueOf(d)))) {
          for (Path f : s.sorted().limit(3).toList()) {
            Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    }
    Files.createDirectories(root.resolve("extra-class/x"));
    Files.copy(
        source.resolve("0").resolve(firstIn(source.resolve("0"))),
        root.resolve("extra-class/x/a.png"));
    Files.write(root.resolve("corrupt/3/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    Files.writeString(root.resolve("file.png"), "a file, not a folder");
  }

  private static Path firstIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().findFirst().orElseThrow().getFileName();
    }
  }
}
