/**
 * The FaceMatcher and PrivacyDesk suites over the device's implementations and the unit
 * tests' stand-ins: what a gate test learns from the stand-ins holds on a device.
 */
import { faceMatcherContract } from "./face-matcher-contract.js";
import { inMemoryFacePorts, spyFacePorts, storeFacePorts } from "./face-ports-fixture.js";
import { privacyDeskContract } from "./privacy-desk-contract.js";

for (const implementation of [storeFacePorts, inMemoryFacePorts, spyFacePorts]) faceMatcherContract(implementation);
for (const implementation of [storeFacePorts, inMemoryFacePorts]) privacyDeskContract(implementation);
