// A catalog prefix the config tests validate documents after (not a test file: importing it runs nothing).

/** A team and a service that owns nothing else: 10 lines, so the next document starts on line 11. */
export const teamAndService = `apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: {}
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments }
---
`;
