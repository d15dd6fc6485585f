package dev.berth.functions.store;

import dev.berth.emulator.Emulator;
import dev.berth.emulator.Fixtures;
import dev.berth.pod.DurablePodStoreContract;
import dev.berth.pod.PodStore;
import dev.berth.pod.PodStoreContract;

/** Core's {@link PodStoreContract} against DynamoDB in the emulator, a fresh table per test. */
class DynamoDbPodStoreContractIT extends DurablePodStoreContract {
    private String table;

    @Override
    protected PodStore createStore() {
        table = Fixtures.table(Emulator.get());
        return new DynamoDbPodStore(Emulator.get().clients().dynamoDb(), table);
    }

    @Override
    protected PodStore reopen(PodStore store) {
        return new DynamoDbPodStore(Emulator.get().clients().dynamoDb(), table);
    }
}
