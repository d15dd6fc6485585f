package dev.berth.functions.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Objects;

/**
 * CloudWatch embedded metric format: one JSON line on standard output, which Lambda ships to the function's log
 * group and CloudWatch turns into a metric. No API call, so the function role needs no {@code PutMetricData}.
 */
public final class Emf {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Milliseconds from a pod's creation to its RUNNING: the dashboard's "Create latency". */
    public static final String POD_CREATE_LATENCY = "PodCreateLatency";

    private final String namespace;
    private final PrintStream out;

    public Emf(String namespace, PrintStream out) {
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Emits one value of a metric without dimensions, in milliseconds; {@code podId} goes along as a property. */
    public void milliseconds(String metric, long value, String podId, Instant at) {
        ObjectNode line = MAPPER.createObjectNode();
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", at.toEpochMilli());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", namespace);
        directive.putArray("Dimensions").addArray();
        directive.putArray("Metrics").addObject().put("Name", metric).put("Unit", "Milliseconds");
        line.put(metric, value);
        line.put("podId", podId);
        out.println(line);
        out.flush();
    }
}
