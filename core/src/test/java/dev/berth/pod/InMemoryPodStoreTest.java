package dev.berth.pod;

/** The in-memory fake passes the same contract as the real stores. */
class InMemoryPodStoreTest extends PodStoreContract {
    @Override
    protected PodStore createStore() {
        return new InMemoryPodStore();
    }

    @Override
    protected PodStore reopen(PodStore store) {
        throw new UnsupportedOperationException("InMemoryPodStore keeps nothing once it is dropped");
    }
}
