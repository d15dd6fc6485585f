package dev.berth.local.route.internal;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** The router's own answers: a short page, HTML for browsers and plain text for everything else. */
public final class ErrorPages {
    private ErrorPages() {
    }

    /** Sends {@code status} with a title and an explanation, unless a response has already started. */
    public static void send(HttpServerRequest request, int status, String title, String detail, String retryAfter) {
        HttpServerResponse response = request.response();
        if (response.headWritten() || response.ended() || response.closed()) {
            return;
        }
        String accept = request.getHeader("Accept");
        boolean html = accept != null && accept.contains("text/html");
        String body = html
                ? "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + status + " " + escape(title)
                        + "</title></head>\n<body><h1>" + escape(title) + "</h1>\n<p>" + escape(detail)
                        + "</p>\n<hr><p>Berth router</p></body></html>\n"
                : status + " " + title + "\n\n" + detail + "\n";
        response.setStatusCode(status)
                .putHeader("Content-Type", html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8")
                .putHeader("Cache-Control", "no-store");
        if (retryAfter != null) {
            response.putHeader("Retry-After", retryAfter);
        }
        response.end(body);
        // The request body (if any) was never read; a fresh connection keeps the next request clean.
        if (!request.isEnded()) {
            request.resume();
        }
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
