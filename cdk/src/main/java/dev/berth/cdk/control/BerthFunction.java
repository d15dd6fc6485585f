package dev.berth.cdk.control;

import software.amazon.awscdk.Duration;

/** The Lambda functions of the functions jar (see docs/aws-contract.md): handler, memory and timeout of each. */
public enum BerthFunction {
    API("api", "dev.berth.functions.ApiHandler::handleRequest", 1024, Duration.seconds(29)),
    BUILD_EVENTS("build-events", "dev.berth.functions.BuildEventHandler::handleRequest", 1024, Duration.seconds(60)),
    TASK_EVENTS("task-events", "dev.berth.functions.TaskEventHandler::handleRequest", 1024, Duration.seconds(60)),
    REAPER("reaper", "dev.berth.functions.ReaperHandler::handleRequest", 1024, Duration.seconds(60)),
    SWEEP("sweep", "dev.berth.functions.SweepHandler::handleRequest", 1024, Duration.minutes(4)),
    WAKER("waker", "dev.berth.functions.WakerHandler::handleRequest", 1024, Duration.seconds(60));

    private final String key;
    private final String handler;
    private final int memoryMiB;
    private final Duration timeout;

    BerthFunction(String key, String handler, int memoryMiB, Duration timeout) {
        this.key = key;
        this.handler = handler;
        this.memoryMiB = memoryMiB;
        this.timeout = timeout;
    }

    /** The short name; the deployed function is {@code <stackName>-<key>}. */
    public String key() {
        return key;
    }

    public String handler() {
        return handler;
    }

    public int memoryMiB() {
        return memoryMiB;
    }

    public Duration timeout() {
        return timeout;
    }

    /** The construct id: {@code build-events} → {@code BuildEvents}. */
    String constructId() {
        StringBuilder id = new StringBuilder();
        for (String part : key.split("-")) {
            id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return id.toString();
    }
}
