import { busContract } from './bus.contract.js';
import { MemoryBus } from './memory.js';

busContract('MemoryBus', async () => {
  const bus = new MemoryBus();
  return { client: async () => bus, close: () => bus.close() };
});
