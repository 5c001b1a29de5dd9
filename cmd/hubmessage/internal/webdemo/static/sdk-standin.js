// A stand-in for the browser SDK @hubmessage/connect, with its documented call shape:
//
//   import HubMessage from '@hubmessage/connect';
//   const response = await HubMessage.newClient({publicKey}).connect({channelId});
//   // response: {wabaId, phoneId, code, coexistence}; send it to your backend
//
// The real SDK opens Meta's Embedded Signup, where the person picks a WhatsApp number, and
// resolves to that payload, whose code is single-use and lives about 30 seconds. This stand-in
// skips the popup: it asks the demo's backend for a code that the reference server issued
// (only the backend holds the Secret Key the reference server wants) and resolves to the same
// shape. The numbers are the API's documented examples.

const WABA_ID = "428083093730937";
const PHONE_ID = "123456789012345";

function newClient(options) {
  const publicKey = options && options.publicKey;
  if (typeof publicKey !== "string" || publicKey === "") {
    throw new TypeError("HubMessage.newClient: publicKey is required");
  }
  return {
    async connect(params) {
      const channelId = params && params.channelId;
      if (typeof channelId !== "string" || channelId === "") {
        throw new TypeError("connect: channelId is required");
      }
      const res = await fetch("/backend/demo/sdk-code", { method: "POST", credentials: "same-origin" });
      const body = await res.json().catch(() => ({}));
      if (!res.ok || typeof body.code !== "string") {
        throw new Error("the signup did not finish: " + (body.message || "HTTP " + res.status));
      }
      return { wabaId: WABA_ID, phoneId: PHONE_ID, code: body.code, coexistence: false };
    },
  };
}

export default { newClient };
