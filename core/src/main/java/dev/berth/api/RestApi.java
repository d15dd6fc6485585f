package dev.berth.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.berth.BerthClientException;
import dev.berth.BerthException;
import dev.berth.ErrorCode;
import dev.berth.image.ImageId;
import dev.berth.internal.Checks;
import dev.berth.internal.Json;
import dev.berth.pod.Deployment;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodQuery;
import dev.berth.pod.PodService;
import dev.berth.pod.PodSpec;
import dev.berth.pod.PodStatus;
import dev.berth.pod.StopReason;
import dev.berth.template.Template;
import dev.berth.template.TemplateCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Berth's REST API without a transport: one {@link ApiRequest} in, one {@link ApiResponse} out. The local
 * server and the API Gateway Lambda both call {@link #handle}, so both sides answer alike, errors included:
 * {@code {"error":{"code":"INVALID_SPEC","message":"…","field":"ports[0]"}}}.
 *
 * <p>Authentication is the transport's job (a bearer token locally, IAM on AWS). Thread-safe.
 */
public final class RestApi {
    /** Largest request body accepted; a spec's files are bounded by {@link dev.berth.image.ImageSpec#MAX_FILES_BYTES}. */
    public static final int MAX_BODY_BYTES = 768 * 1024;

    private static final Logger log = LoggerFactory.getLogger(RestApi.class);
    private static final String OPENAPI_RESOURCE = "/dev/berth/api/openapi.json";

    private final PodService service;
    private final TemplateCatalog templates;
    private final byte[] openApi;

    /** An API without templates: {@code GET /v1/templates} lists none. */
    public RestApi(PodService service) {
        this(service, TemplateCatalog.empty());
    }

    /** An API that also serves this template catalog at {@code GET /v1/templates[/{name}]}. */
    public RestApi(PodService service, TemplateCatalog templates) {
        this.service = Objects.requireNonNull(service, "service");
        this.templates = Objects.requireNonNull(templates, "templates");
        this.openApi = loadOpenApi();
    }

    public ApiResponse handle(ApiRequest request) {
        try {
            return route(request);
        } catch (BerthException e) {
            return error(e.code(), e.field(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("Unexpected error on {} {}", request.method(), request.path(), e);
            return error(ErrorCode.INTERNAL, null, "Internal error: " + e.getClass().getSimpleName()
                    + "; the platform's log has the details");
        }
    }

    private ApiResponse route(ApiRequest request) {
        if (request.body().length > MAX_BODY_BYTES) {
            throw new BerthClientException(ErrorCode.PAYLOAD_TOO_LARGE, null, "Request body is " + request.body().length
                    + " bytes; at most " + MAX_BODY_BYTES + " are accepted: put large files into the image with commands or a base image");
        }
        String method = request.method().toUpperCase(Locale.ROOT);
        List<String> parts = segments(request.path());
        if (parts.isEmpty() || !parts.get(0).equals("v1")) {
            throw notFound(method, request.path());
        }
        List<String> rest = parts.subList(1, parts.size());
        String first = rest.isEmpty() ? "" : rest.get(0);
        return switch (first) {
            case "health" -> only(method, "GET", request, rest.size() == 1, () -> json(200, Map.of("status", "ok")));
            case "openapi.json" -> only(method, "GET", request, rest.size() == 1,
                    () -> new ApiResponse(200, ApiResponse.JSON, openApi, Map.of(), null));
            case "pods" -> pods(method, request, rest);
            case "deployments" -> deployments(method, request, rest);
            case "templates" -> templates(method, request, rest);
            case "images" -> only(method, "GET", request, rest.size() == 2,
                    () -> json(200, service.image(ImageId.of(rest.get(1)))));
            default -> throw notFound(method, request.path());
        };
    }

    private ApiResponse pods(String method, ApiRequest request, List<String> rest) {
        if (rest.size() == 1) {
            return switch (method) {
                case "POST" -> {
                    PodService.Issued<Pod> created = service.createWithToken(parseSpec(request));
                    yield json(202, withToken(shown(created.value()), created.authToken()));
                }
                case "GET" -> json(200, Map.of("pods", service.list(podQuery(request)).stream().map(RestApi::shown).toList()));
                default -> throw methodNotAllowed(method, request.path(), "GET, POST");
            };
        }
        PodId id = podId(rest.get(1));
        if (rest.size() == 2) {
            return switch (method) {
                case "GET" -> json(200, shown(service.get(id)));
                case "DELETE" -> json(200, shown(service.stop(id, StopReason.USER)));
                default -> throw methodNotAllowed(method, request.path(), "GET, DELETE");
            };
        }
        if (rest.size() == 3 && rest.get(2).equals("logs")) {
            return only(method, "GET", request, true, () -> logs(id, flag(request, "follow")));
        }
        throw notFound(method, request.path());
    }

    private ApiResponse templates(String method, ApiRequest request, List<String> rest) {
        if (rest.size() == 1) {
            return only(method, "GET", request, true, () -> json(200, Map.of("templates", templates.list())));
        }
        return only(method, "GET", request, rest.size() == 2, () -> {
            Template template = templates.get(rest.get(1));
            return json(200, template);
        });
    }

    private static PodId podId(String value) {
        if (!PodId.looksLikePodId(value)) {
            throw new dev.berth.NotFoundException("No pod '" + Checks.shown(value)
                    + "'; pod ids are 'p' and 11 lowercase letters or digits, as 'berth container list' shows");
        }
        return PodId.of(value);
    }

    private ApiResponse logs(PodId id, boolean follow) {
        Stream<String> lines = service.logs(id, follow);
        if (!follow) {
            try (lines) {
                return ApiResponse.text(200, lines.map(l -> l + "\n").collect(Collectors.joining()));
            }
        }
        return ApiResponse.streaming(ApiResponse.TEXT, out -> writeLines(lines, out));
    }

    private static void writeLines(Stream<String> lines, OutputStream out) throws IOException {
        try (lines) {
            var it = lines.iterator();
            while (it.hasNext()) {
                out.write((it.next() + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private ApiResponse deployments(String method, ApiRequest request, List<String> rest) {
        if (rest.size() == 1) {
            return switch (method) {
                case "POST" -> {
                    PodService.Issued<Deployment> deployed = service.deployWithToken(parseSpec(request));
                    yield json(200, withToken(view(deployed.value()), deployed.authToken()));
                }
                case "GET" -> json(200, Map.of("deployments", service.deployments().stream().map(this::view).toList()));
                default -> throw methodNotAllowed(method, request.path(), "GET, POST");
            };
        }
        String name = rest.get(1);
        if (rest.size() == 2) {
            return switch (method) {
                case "GET" -> json(200, view(service.deployment(name)));
                case "DELETE" -> {
                    service.deleteDeployment(name);
                    yield new ApiResponse(204, ApiResponse.JSON, null, Map.of(), null);
                }
                default -> throw methodNotAllowed(method, request.path(), "GET, DELETE");
            };
        }
        if (rest.size() == 3 && rest.get(2).equals("start")) {
            return only(method, "POST", request, true, () -> {
                service.wake(name);
                return json(200, view(service.deployment(name)));
            });
        }
        if (rest.size() == 3 && rest.get(2).equals("token")) {
            return only(method, "POST", request, true, () -> {
                PodService.Issued<Deployment> rotated = service.rotateToken(name);
                return json(200, withToken(view(rotated.value()), rotated.authToken()));
            });
        }
        if (rest.size() == 3 && rest.get(2).equals("stop")) {
            return only(method, "POST", request, true, () -> json(200, view(service.stopDeployment(name))));
        }
        throw notFound(method, request.path());
    }

    /** A deployment as the API shows it: its record and its current pod, if any. */
    public record DeploymentView(String name, PodSpec spec, Map<Integer, java.net.URI> urls, Pod pod,
                                 java.time.Instant createdAt, java.time.Instant updatedAt) {
    }

    private DeploymentView view(Deployment d) {
        // The current pod may not be stored yet: a wake claims the deployment before it stores the pod.
        Pod pod = d.currentPod() == null ? null : service.find(d.currentPod()).orElse(null);
        return new DeploymentView(d.name(), d.spec(), d.urls(), pod == null ? null : shown(pod), d.createdAt(), d.updatedAt());
    }

    /** A pod as the API shows it: without its token's hash (a secret's digest is nobody's business). */
    private static Pod shown(Pod pod) {
        return pod.authTokenHash() == null ? pod : pod.withAuthTokenHash(null);
    }

    /**
     * {@code value}'s JSON with {@code "authToken"} added when a token was just issued: the one response that
     * ever carries it.
     */
    private static Object withToken(Object value, String authToken) {
        if (authToken == null) {
            return value;
        }
        com.fasterxml.jackson.databind.node.ObjectNode node = Json.MAPPER.valueToTree(value);
        node.put("authToken", authToken);
        return node;
    }

    private static PodQuery podQuery(ApiRequest request) {
        EnumSet<PodStatus> statuses = EnumSet.noneOf(PodStatus.class);
        for (String value : request.query().getOrDefault("status", List.of())) {
            for (String s : value.split(",")) {
                if (s.isBlank()) {
                    continue;
                }
                try {
                    statuses.add(PodStatus.valueOf(s.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new BerthClientException(ErrorCode.INVALID_REQUEST, "status", "Unknown status '" + Checks.shown(s)
                            + "'; use one of " + EnumSet.allOf(PodStatus.class));
                }
            }
        }
        return new PodQuery(statuses, request.queryParam("name").filter(n -> !n.isBlank()).orElse(null));
    }

    private static boolean flag(ApiRequest request, String name) {
        String value = request.queryParam(name).orElse("false");
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "" -> true;
            case "false", "0", "no" -> false;
            default -> throw new BerthClientException(ErrorCode.INVALID_REQUEST, name,
                    "Invalid " + name + "=" + Checks.shown(value) + "; use true or false");
        };
    }

    // ---- JSON in ---------------------------------------------------------------------------------------

    /** Parses a pod spec, turning every Jackson failure into an error that names the field and the fix. */
    static PodSpec parseSpec(ApiRequest request) {
        String body = new String(request.body(), StandardCharsets.UTF_8);
        if (body.isBlank()) {
            throw new BerthClientException(ErrorCode.MALFORMED_JSON, null,
                    "Request body is empty; send a pod spec as JSON, e.g. {\"entrypoint\":[\"python3\",\"-m\",\"http.server\",\"8000\"],\"ports\":[8000]}");
        }
        com.fasterxml.jackson.databind.JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BerthClientException(ErrorCode.MALFORMED_JSON, null, "Malformed JSON at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage()
                    + "; send a JSON object");
        }
        try {
            PodSpec spec = Json.MAPPER.treeToValue(tree, PodSpec.class);
            if (spec == null) {
                throw new BerthClientException(ErrorCode.MALFORMED_JSON, null, "Request body is JSON null; send a pod spec object");
            }
            return spec;
        } catch (ValueInstantiationException e) {
            if (e.getCause() instanceof BerthException cause) {
                throw cause;
            }
            throw invalid(e, "Invalid value");
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : "; known fields: " + e.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            String path = String.valueOf(path(e));
            throw new BerthClientException(ErrorCode.INVALID_SPEC, path, "Unknown field '" + e.getPropertyName() + "' in "
                    + (path.contains(".") || path.contains("[") ? "'" + parent(path) + "'" : "the pod spec") + known);
        } catch (InvalidFormatException e) {
            throw new BerthClientException(ErrorCode.INVALID_SPEC, path(e), "Invalid value " + Checks.shown(e.getValue()) + " for '"
                    + path(e) + "': expected " + typeName(e.getTargetType()));
        } catch (MismatchedInputException e) {
            String path = path(e);
            throw new BerthClientException(ErrorCode.INVALID_SPEC, path, path == null ? "Wrong type for the pod spec: expected a JSON object"
                    : "Wrong type for '" + path + "': expected " + typeName(e.getTargetType()));
        } catch (JsonMappingException e) {
            throw invalid(e, "Invalid pod spec");
        } catch (JsonProcessingException e) {
            throw new BerthClientException(ErrorCode.MALFORMED_JSON, null, "Malformed JSON: " + e.getOriginalMessage());
        }
    }

    private static BerthClientException invalid(JsonMappingException e, String what) {
        return new BerthClientException(ErrorCode.INVALID_SPEC, path(e), what + " at '" + path(e) + "': " + e.getOriginalMessage());
    }

    /** The JSON path of the failure, such as {@code image.env.X} or {@code ports[0]}; {@code null} for the root. */
    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getIndex() >= 0) {
                b.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                if (!b.isEmpty()) {
                    b.append('.');
                }
                b.append(ref.getFieldName());
            }
        }
        return b.isEmpty() ? null : b.toString();
    }

    private static String parent(String path) {
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut > 0 ? path.substring(0, cut) : path;
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a JSON array";
        }
        return "a JSON object";
    }

    // ---- out -------------------------------------------------------------------------------------------

    private static ApiResponse json(int status, Object body) {
        return ApiResponse.json(status, Json.write(body));
    }

    /** The error body of the API. */
    public static ApiResponse error(ErrorCode code, String field, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code.name());
        error.put("message", message);
        if (field != null) {
            error.put("field", field);
        }
        return json(code.httpStatus(), Map.of("error", error));
    }

    private static ApiResponse only(String method, String allowed, ApiRequest request, boolean pathMatches,
                                    java.util.function.Supplier<ApiResponse> action) {
        if (!pathMatches) {
            throw notFound(method, request.path());
        }
        if (!method.equals(allowed)) {
            throw methodNotAllowed(method, request.path(), allowed);
        }
        return action.get();
    }

    private static BerthClientException notFound(String method, String path) {
        return new BerthClientException(ErrorCode.NOT_FOUND, null, "No API route " + method + " " + Checks.shown(path)
                + "; the API is described at /v1/openapi.json");
    }

    private static BerthClientException methodNotAllowed(String method, String path, String allowed) {
        return new BerthClientException(ErrorCode.METHOD_NOT_ALLOWED, null, method + " is not allowed on " + Checks.shown(path)
                + "; use " + allowed);
    }

    private static List<String> segments(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        return parts;
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = RestApi.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + OPENAPI_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
