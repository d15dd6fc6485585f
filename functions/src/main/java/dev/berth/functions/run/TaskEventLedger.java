package dev.berth.functions.run;

import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Deduplicates "ECS Task State Change" events on their {@code version}: EventBridge delivers at least once and
 * out of order, and ECS numbers each task's changes. An event is handled only if its version is higher than
 * any seen for the task ({@code pk = TASK#<arn>, sk = EVENT} in the pods table, a conditional write); a version whose
 * handling failed is {@linkplain #forget forgotten} so that the retry is handled.
 */
public final class TaskEventLedger {
    private final DynamoDbClient dynamo;
    private final String table;

    public TaskEventLedger(DynamoDbClient dynamo, String table) {
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
        this.table = Objects.requireNonNull(table, "table");
    }

    /** Records the version; returns false if this or a later version of the task was already seen. */
    public boolean firstSeen(String taskArn, long version) {
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(Map.of("pk", s("TASK#" + taskArn), "sk", s("EVENT"), "version", AttributeValue.builder().n(Long.toString(version)).build()))
                    .conditionExpression("attribute_not_exists(pk) OR version < :v")
                    .expressionAttributeValues(Map.of(":v", AttributeValue.builder().n(Long.toString(version)).build())));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Takes back a version whose handling failed, so that Lambda's retry of the same event is handled rather than
     * taken for a duplicate. A later version recorded meanwhile stays.
     */
    public void forget(String taskArn, long version) {
        try {
            dynamo.deleteItem(r -> r.tableName(table)
                    .key(Map.of("pk", s("TASK#" + taskArn), "sk", s("EVENT")))
                    .conditionExpression("version = :v")
                    .expressionAttributeValues(Map.of(":v", AttributeValue.builder().n(Long.toString(version)).build())));
        } catch (ConditionalCheckFailedException e) {
            // a later event of the task was recorded: keep it
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.builder().s(value).build();
    }
}
