package dev.berth.functions.store;

import dev.berth.internal.Json;
import dev.berth.pod.Deployment;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodQuery;
import dev.berth.pod.PodStatus;
import dev.berth.pod.PodStore;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * {@link PodStore} on one DynamoDB table (partition key {@code pk}, sort key {@code sk}; GSIs {@code byStatus}
 * and {@code byDeployment}, both projecting all attributes). Every write is conditional on the
 * {@code version} attribute, so racing writers end with exactly one winner.
 *
 * <p>Items: a pod is {@code pk = POD#<id>, sk = POD} with {@code status}, {@code createdAt} and, for a
 * deployment's pod, {@code deployment} as index keys; a deployment is {@code pk = DEPLOYMENT, sk = <name>},
 * so that one query lists them all by name. The record itself is the JSON attribute {@code body}.
 *
 * <p>Listing reads the GSIs, which DynamoDB updates eventually: a pod created a moment ago may be missing
 * from a list for a short while. {@link #find} reads strongly consistently. Thread-safe.
 */
public final class DynamoDbPodStore implements PodStore {
    public static final String STATUS_INDEX = "byStatus";
    public static final String DEPLOYMENT_INDEX = "byDeployment";
    static final String DEPLOYMENT_PK = "DEPLOYMENT";
    private static final DateTimeFormatter SORTABLE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbPodStore(DynamoDbClient dynamo, String table) {
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
        this.table = Objects.requireNonNull(table, "table");
    }

    /** The fixed-width UTC form of an instant used in sort keys, so that string order is time order. */
    public static String sortable(Instant instant) {
        return SORTABLE.format(instant);
    }

    @Override
    public Pod create(Pod pod) {
        Pod stored = pod.withVersion(1);
        try {
            dynamo.putItem(r -> r.tableName(table).item(podItem(stored))
                    .conditionExpression("attribute_not_exists(pk)"));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalStateException("Pod " + pod.id() + " already exists", e);
        }
        return stored;
    }

    @Override
    public Optional<Pod> find(PodId id) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key("POD#" + id.value(), "POD"))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(readPod(item));
    }

    @Override
    public List<Pod> list(PodQuery query) {
        List<Pod> pods = new ArrayList<>();
        if (query.deployment() != null) {
            queryIndex(DEPLOYMENT_INDEX, "deployment", query.deployment(), pods);
        } else {
            Set<PodStatus> statuses = query.statuses().isEmpty() ? Set.of(PodStatus.values()) : query.statuses();
            for (PodStatus status : statuses) {
                queryIndex(STATUS_INDEX, "status", status.name(), pods);
            }
        }
        // Deduplicate by id (an index may show an item under its old and new key for a moment).
        Map<PodId, Pod> byId = new LinkedHashMap<>();
        for (Pod pod : pods) {
            byId.merge(pod.id(), pod, (a, b) -> a.version() >= b.version() ? a : b);
        }
        return byId.values().stream()
                .filter(query::matches)
                .sorted(Comparator.comparing(Pod::createdAt).thenComparing(p -> p.id().value()).reversed())
                .toList();
    }

    @Override
    public Optional<Pod> update(Pod current, Pod next) {
        if (!current.id().equals(next.id())) {
            throw new IllegalArgumentException("update must keep the pod id: " + current.id() + " -> " + next.id());
        }
        Pod stored = next.withVersion(current.version() + 1);
        return putIfVersion(podItem(stored), current.version()) ? Optional.of(stored) : Optional.empty();
    }

    /** Writes the item if the stored one still has {@code version}; false if another writer got there first. */
    private boolean putIfVersion(Map<String, AttributeValue> item, long version) {
        try {
            dynamo.putItem(r -> r.tableName(table).item(item)
                    .conditionExpression("version = :v")
                    .expressionAttributeValues(Map.of(":v", number(version))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public Deployment createDeployment(Deployment deployment) {
        Deployment stored = deployment.withVersion(1);
        try {
            dynamo.putItem(r -> r.tableName(table).item(deploymentItem(stored))
                    .conditionExpression("attribute_not_exists(pk)"));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalStateException("Deployment " + deployment.name() + " already exists", e);
        }
        return stored;
    }

    @Override
    public Optional<Deployment> findDeployment(String name) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(DEPLOYMENT_PK, name))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(readDeployment(item));
    }

    @Override
    public List<Deployment> listDeployments() {
        List<Deployment> result = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder q = QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", string(DEPLOYMENT_PK)));
            if (start != null) {
                q.exclusiveStartKey(start);
            }
            QueryResponse page = dynamo.query(q.build());
            page.items().forEach(item -> result.add(readDeployment(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        result.sort(Comparator.comparing(Deployment::name));
        return result;
    }

    @Override
    public Optional<Deployment> updateDeployment(Deployment current, Deployment next) {
        if (!current.name().equals(next.name())) {
            throw new IllegalArgumentException("updateDeployment must keep the name: " + current.name() + " -> " + next.name());
        }
        Deployment stored = next.withVersion(current.version() + 1);
        return putIfVersion(deploymentItem(stored), current.version()) ? Optional.of(stored) : Optional.empty();
    }

    @Override
    public boolean deleteDeployment(Deployment current) {
        try {
            dynamo.deleteItem(r -> r.tableName(table).key(key(DEPLOYMENT_PK, current.name()))
                    .conditionExpression("version = :v")
                    .expressionAttributeValues(Map.of(":v", number(current.version()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private void queryIndex(String index, String attribute, String value, List<Pod> into) {
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder q = QueryRequest.builder().tableName(table).indexName(index)
                    .keyConditionExpression("#k = :v")
                    .expressionAttributeNames(Map.of("#k", attribute))
                    .expressionAttributeValues(Map.of(":v", string(value)))
                    .scanIndexForward(false);
            if (start != null) {
                q.exclusiveStartKey(start);
            }
            QueryResponse page = dynamo.query(q.build());
            for (Map<String, AttributeValue> item : page.items()) {
                if (item.containsKey("body") && item.get("pk").s().startsWith("POD#")) {
                    into.add(readPod(item));
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
    }

    private static Map<String, AttributeValue> podItem(Pod pod) {
        Map<String, AttributeValue> item = new HashMap<>(key("POD#" + pod.id().value(), "POD"));
        item.put("status", string(pod.status().name()));
        item.put("createdAt", string(sortable(pod.createdAt())));
        if (pod.deployment() != null) {
            item.put("deployment", string(pod.deployment()));
        }
        item.put("version", number(pod.version()));
        item.put("body", string(Json.write(pod)));
        return item;
    }

    private static Map<String, AttributeValue> deploymentItem(Deployment deployment) {
        Map<String, AttributeValue> item = new HashMap<>(key(DEPLOYMENT_PK, deployment.name()));
        item.put("version", number(deployment.version()));
        item.put("body", string(Json.write(deployment)));
        return item;
    }

    private static Pod readPod(Map<String, AttributeValue> item) {
        Pod pod = Json.read(item.get("body").s(), Pod.class);
        return pod.withVersion(Long.parseLong(item.get("version").n()));
    }

    private static Deployment readDeployment(Map<String, AttributeValue> item) {
        Deployment deployment = Json.read(item.get("body").s(), Deployment.class);
        return deployment.withVersion(Long.parseLong(item.get("version").n()));
    }

    static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of("pk", string(pk), "sk", string(sk));
    }

    static AttributeValue string(String s) {
        return AttributeValue.builder().s(s).build();
    }

    static AttributeValue number(long n) {
        return AttributeValue.builder().n(Long.toString(n)).build();
    }
}
