package dev.berth.pod;

/** The in-memory fake passes the same contract as the real stores (it is not durable, so not the durable one). */
class InMemoryPodStoreTest extends PodStoreContract {
    @Override
    protected PodStore createStore() {
        return new InMemoryPodStore();
    }
}
