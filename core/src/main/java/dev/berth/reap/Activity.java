package dev.berth.reap;

import java.time.Instant;

/**
 * What a pod's users are doing: connections open through the router now, and when a connection last
 * opened, closed or carried a request.
 *
 * @param lastActivity {@code null} if nothing has happened yet
 */
public record Activity(int openConnections, Instant lastActivity) {
    public static final Activity NONE = new Activity(0, null);

    public Activity {
        if (openConnections < 0) {
            throw new IllegalArgumentException("openConnections < 0: " + openConnections);
        }
    }
}
