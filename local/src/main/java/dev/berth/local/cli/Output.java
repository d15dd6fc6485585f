package dev.berth.local.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.berth.internal.Json;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --output} flag of every command that prints data: human tables, or JSON for scripts. */
final class Output {
    enum Format { table, json }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (for people, the default) or json (one JSON document on stdout, for scripts).")
    Format format = Format.table;

    boolean json() {
        return format == Format.json;
    }

    static void printJson(PrintWriter out, Object value) {
        try {
            out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write JSON output", e);
        }
    }

    static JsonNode tree(Object value) {
        return Json.MAPPER.valueToTree(value);
    }

    /** Prints rows as left-aligned columns, the first row as header. */
    static void table(PrintWriter out, List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }
}
